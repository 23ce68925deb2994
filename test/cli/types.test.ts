import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { tempRepo, type TempRepo } from '../helpers.js';

// issue 16, defect 8: a value is never changed by type inference.

/** The recorded column types, read in-process (`sql "DESCRIBE t"`; the sql verb has its own tests). */
const types = async (repo: TempRepo, table: string) =>
  Object.fromEntries((await (await Repo.open(repo.dir)).sql(`DESCRIBE ${table}`)).rows.map((r) => [r.column_name, r.column_type]));

const CSV =
  'id,big,dec,money,exact,mix,zip\n' +
  '1,18446744073709551557,1234567890.1234567891,10.50,9007199254740993,abc,007\n' +
  '2,5,1.1,3.00,1.5,12,10\n' +
  '3,,,0.99,,x,\n';

describe('type inference keeps every value', () => {
  it('add: wide integers, long decimals, money, leading zeros survive add, commit, checkout, export and diff --json', async () => {
    await using repo = await tempRepo({ 't.csv': CSV });
    await repo.ok('add', 't.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    expect(await types(repo, 't')).toEqual({
      id: 'BIGINT',
      big: 'DECIMAL(38,0)',
      dec: 'DECIMAL(38,10)',
      money: 'DECIMAL(18,2)',
      exact: 'DECIMAL(18,1)',
      mix: 'VARCHAR',
      zip: 'VARCHAR',
    });
    await repo.ok('export', 't', 'out.csv');
    const out = await repo.read('out.csv');
    for (const v of ['18446744073709551557', '1234567890.1234567891', '10.50', '3.00', '0.99', '9007199254740993', '007']) {
      expect(out).toContain(v);
    }
    expect(out).not.toMatch(/e\+19|1234567890\.1234567,|9007199254740992/);
    await repo.write('t.csv', CSV.replace('10.50', '10.60'));
    const d = JSON.parse(await repo.ok('diff', '--json'));
    expect(d.tables[0].rows).toEqual([
      {
        op: 'modified',
        key: { id: 1 },
        before: {
          id: 1,
          big: '18446744073709551557',
          dec: '1234567890.1234567891',
          money: '10.50',
          exact: '9007199254740993.0',
          mix: 'abc',
          zip: '007',
        },
        after: {
          id: 1,
          big: '18446744073709551557',
          dec: '1234567890.1234567891',
          money: '10.60',
          exact: '9007199254740993.0',
          mix: 'abc',
          zip: '007',
        },
        changed: ['money'],
      },
    ]);
    await repo.ok('commit', '-am', 'edit');
    await repo.ok('checkout', 'HEAD~1', '--force');
    const back = await repo.read('t.csv');
    expect(back).toContain('1,18446744073709551557,1234567890.1234567891,10.50,9007199254740993');
    expect(back).toContain('3.00');
  }, 180_000);

  it('add: a JSON Lines key holding strings and a few numbers is VARCHAR, not JSON: export and diff do not quote twice', async () => {
    await using repo = await tempRepo({
      'm.jsonl': '{"id":1,"title":"The Land Girls","n":9007199254740993}\n{"id":2,"title":1984,"n":1.5}\n{"id":3,"title":"Up","n":2}\n',
    });
    await repo.ok('add', 'm.jsonl', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    expect(await types(repo, 'm')).toEqual({ id: 'BIGINT', title: 'VARCHAR', n: 'DECIMAL(18,1)' });
    await repo.ok('export', 'm', 'm.csv');
    expect(await repo.read('m.csv')).toBe('id,title,n\n1,The Land Girls,9007199254740993.0\n2,1984,1.5\n3,Up,2.0\n');
    await repo.write(
      'm.jsonl',
      '{"id":1,"title":"The Land Girls!","n":9007199254740993}\n{"id":2,"title":1984,"n":1.5}\n{"id":3,"title":"Up","n":2}\n',
    );
    const d = JSON.parse(await repo.ok('diff', '--json'));
    expect(d.tables[0].rows[0].before.title).toBe('The Land Girls');
    expect(d.tables[0].rows[0].after.title).toBe('The Land Girls!');
  }, 180_000);

  it('add --type fixes a type for every later read; a value that does not fit it is bad input', async () => {
    await using repo = await tempRepo({ 'p.csv': 'id,amount\n1,10.5\n2,3\n' });
    await repo.ok('add', 'p.csv', '--key', 'id', '--type', 'amount=DECIMAL(12,2)');
    await repo.ok('commit', '-m', 'load');
    expect((await types(repo, 'p')).amount).toBe('DECIMAL(12,2)');
    await repo.write('p.csv', 'id,amount\n1,10.5\n2,3\n3,7.25\n');
    await repo.ok('commit', '-am', 'more');
    expect((await types(repo, 'p')).amount).toBe('DECIMAL(12,2)');
    await repo.ok('checkout', 'HEAD', '--force');
    await repo.write('p.csv', 'id,amount\n1,10.5\n2,3.125\n');
    const bad = await repo.run('commit', '-am', 'lossy');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('amount');
    expect((await repo.run('add', 'p.csv', '--type', 'amount=NOT_A_TYPE')).exitCode).toBe(2);
    expect((await repo.run('add', 'p.csv', '--type', 'nosuch=INTEGER')).stderr).toContain("has no column 'nosuch'");
  }, 180_000);

  it('add: a later value that a recorded DECIMAL or DOUBLE would round widens the column instead', async () => {
    await using repo = await tempRepo({ 'w.csv': 'id,v,f\n1,1.50,1.5\n2,2.25,2\n' });
    await repo.ok('add', 'w.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    expect(await types(repo, 'w')).toMatchObject({ v: 'DECIMAL(18,2)', f: 'DOUBLE' });
    await repo.write('w.csv', 'id,v,f\n1,1.50,1.5\n2,2.25,2\n3,0.125,0.1000000000000000055511\n');
    await repo.ok('commit', '-am', 'wider');
    await repo.ok('export', 'w', 'out.csv');
    const out = await repo.read('out.csv');
    expect(out).toContain('0.125');
    expect(out).toContain('0.1000000000000000055511');
  }, 180_000);
});
