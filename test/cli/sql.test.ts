import { afterAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import { Repo } from '../../src/repo.js';
import { runCli, snapshotDir, tempRepo, type TempRepo } from '../helpers.js';

/**
 * History used by most tests (orders, key id):
 *   id  R0 (tag v1)  R1        R2 (HEAD)
 *   1   10.50 a      11.50 a   11.50 a
 *   2   20.00 b      20.00 b   (removed)
 *   3   30.00 c d    30.00 c d 30.00 c d
 *   4                40.00 e   40.00 e
 */
async function history(): Promise<TempRepo> {
  const repo = await tempRepo({ 'orders.csv': 'id,amount,name\n1,10.50,a\n2,20.00,b\n3,30.00,"c d"\n' });
  const a = await loadTagged(repo, 'orders.csv', 'id', 'R0');
  await repo.write('orders.csv', 'id,amount,name\n1,11.50,a\n2,20.00,b\n3,30.00,c d\n4,40.00,e\n');
  expect((await a.commit({ message: 'R1', all: true })).status).toBe('committed');
  await repo.write('orders.csv', 'id,amount,name\n1,11.50,a\n3,30.00,c d\n4,40.00,e\n');
  expect((await a.commit({ message: 'R2', all: true })).status).toBe('committed');
  return repo;
}

/** In-process set-up (the queries under test run the CLI): `add <file> --key <key>`, `commit -m`, `tag v1`. */
async function loadTagged(repo: TempRepo, file: string, key: string, message: string): Promise<Repo> {
  const a = await Repo.open(repo.dir);
  await a.add({ paths: [file], cwd: repo.dir, key: [key] });
  expect((await a.commit({ message })).status).toBe('committed');
  await a.createTag('v1');
  return a;
}

/** One history for the tests that only read it: building it is most of a test's time. */
let shared: Promise<TempRepo> | undefined;
const sharedHistory = (): Promise<TempRepo> => (shared ??= history());
afterAll(async () => {
  if (shared) await (await shared)[Symbol.asyncDispose]();
});

const json = async (repo: TempRepo, query: string) => JSON.parse(await repo.ok('sql', query, '--format', 'json'));
const ids = async (repo: TempRepo, query: string) => (await json(repo, query)).map((r: { id: number }) => r.id);

describe('sql', () => {
  it('sql: a bare name is the working file, uncommitted edits included', async () => {
    await using repo = await history();
    await repo.write('orders.csv', 'id,amount,name\n1,11.50,a\n3,31.00,c d\n4,40.00,e\n9,90.00,z\n');
    expect(await ids(repo, 'select id from orders order by id')).toEqual([1, 3, 4, 9]);
    expect(await ids(repo, 'select id from orders except select id from orders@HEAD order by 1')).toEqual([9]);
    expect(await ids(repo, 'select * from orders except select * from orders@HEAD order by 1')).toEqual([3, 9]);
  });

  it('sql: @rev takes ~N, ^, tags, branches and short ids', async () => {
    const repo = await sharedHistory();
    const log = await (await Repo.open(repo.dir)).log(); // in-process: log has its own tests
    const r0 = log[2].commit.slice(0, 7);
    expect(await ids(repo, 'select id from orders@v1 order by id')).toEqual([1, 2, 3]);
    expect(await ids(repo, 'select id from orders@HEAD~2 order by id')).toEqual([1, 2, 3]);
    expect(await ids(repo, `select id from orders@${r0} order by id`)).toEqual([1, 2, 3]);
    expect(await ids(repo, 'select id from orders@main^ order by id')).toEqual([1, 2, 3, 4]);
    expect(await ids(repo, 'select id from orders@main order by id')).toEqual([1, 3, 4]);
  });

  it('sql: joins across revisions see each snapshot', async () => {
    const repo = await sharedHistory();
    const rows = await json(
      repo,
      `select a.id, a.amount as before, b.amount as after
      from orders@v1 a join orders@HEAD b using (id) where a.amount <> b.amount`,
    );
    expect(rows).toEqual([{ id: 1, before: '10.50', after: '11.50' }]);
    const gone = await ids(repo, 'select id from orders@HEAD~1 anti join orders@HEAD using (id)');
    expect(gone).toEqual([2]);
  });

  it('sql: references inside strings, comments and quoted identifiers are left alone', async () => {
    const repo = await sharedHistory();
    const rows = await json(
      repo,
      `select 'orders@nope' as s, "orders@v1".id /* orders@nope2 */
      from orders@v1 -- orders@nope3
      where $$orders@nope4$$ <> '' and id = 1`,
    );
    expect(rows).toEqual([{ s: 'orders@nope', id: 1 }]);
  });

  it('sql: a table name that needs quoting is written "my table"@rev', async () => {
    await using repo = await tempRepo({ 'my table.csv': 'k,v\n1,x\n2,y\n' });
    await loadTagged(repo, 'my table.csv', 'k', 'load');
    await repo.write('my table.csv', 'k,v\n1,x\n');
    expect(await json(repo, 'select count(*) as n from "my table"@v1')).toEqual([{ n: 2 }]);
    expect(await json(repo, 'select count(*) as n from "my table"')).toEqual([{ n: 1 }]);
  });

  it('sql: unknown revision or table is exit 2 naming it', async () => {
    const repo = await sharedHistory();
    const rev = await repo.run('sql', 'select * from orders@nope');
    expect(rev.exitCode).toBe(2);
    expect(rev.stderr).toContain("unknown revision 'nope'");
    const atRev = await repo.run('sql', 'select * from customers@v1');
    expect(atRev.exitCode).toBe(2);
    expect(atRev.stderr).toContain("no table 'customers' at revision 'v1'");
    const bare = await repo.run('sql', 'select * from customers');
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain('customers');
    expect(bare.stderr).not.toMatch(/\n\s+at /);
  });

  it('sql: statements that write are refused with exit 2 and change nothing', async () => {
    const repo = await sharedHistory();
    const before = await snapshotDir(repo.dir);
    // The full list of refused statement kinds is in test/ops/sql/query.test.ts; these could touch the disk.
    const writes = [
      'delete from orders',
      `copy (select * from orders@v1) to '${repo.path('out.csv')}'`,
      "attach 'x.db' as x",
      `export database '${repo.path('dump')}'`,
      'install httpfs',
      'select 1; delete from orders',
    ];
    for (const w of writes) {
      const r = await repo.run('sql', w);
      expect.soft(r.exitCode, w).toBe(2);
      expect.soft(r.stderr, w).toMatch(/read-only|statements/);
    }
    expect(await snapshotDir(repo.dir)).toEqual(before);
  });

  it('sql: a working file that cannot be parsed is reported, not skipped', async () => {
    await using repo = await tempRepo({ 'events.jsonl': '{"id":1,"v":2}\n' });
    await (await Repo.open(repo.dir)).add({ paths: ['events.jsonl'], cwd: repo.dir, key: ['id'] }); // set-up in-process
    await repo.write('events.jsonl', '{"id":1,"v":2}\n{"id":2,"v":\n');
    const r = await repo.run('sql', 'select count(*) from events');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("'events.jsonl'");
    expect(r.stdout).toBe('');
  });

  it('sql: a working value that outgrew its recorded type is read with fresh types', async () => {
    await using repo = await history();
    await repo.write('orders.csv', 'id,amount,name\n1,n/a,a\n');
    expect(await json(repo, 'select * from orders')).toEqual([{ id: 1, amount: 'n/a', name: 'a' }]);
    await repo.write('orders.csv', 'id,amount,name\n1.5,10.50,a\n');
    expect(await json(repo, 'select * from orders')).toEqual([{ id: 1.5, amount: 10.5, name: 'a' }]);
  });

  it('sql: json keeps decimals, timestamps and big integers as strings; csv and table formats', async () => {
    const repo = await sharedHistory();
    const q = `select 1::INTEGER as i, 12.50::DECIMAL(10,2) as d, TIMESTAMP '2024-05-01 10:00:00' as ts,
      DATE '2024-05-01' as dt, 9007199254740993::BIGINT as big, NULL as n, true as b, 'a,"b"' as s, '' as e`;
    expect(await json(repo, q)).toEqual([
      {
        i: 1,
        d: '12.50',
        ts: '2024-05-01 10:00:00',
        dt: '2024-05-01',
        big: '9007199254740993',
        n: null,
        b: true,
        s: 'a,"b"',
        e: '',
      },
    ]);
    expect(await repo.ok('sql', q, '--format', 'csv')).toBe(
      'i,d,ts,dt,big,n,b,s,e\n1,12.50,2024-05-01 10:00:00,2024-05-01,9007199254740993,,true,"a,""b""",""\n',
    );
    expect(JSON.parse(await repo.ok('sql', 'select 1 as x', '--json'))).toEqual([{ x: 1 }]);
    const table = await repo.ok('sql', 'select id, name from orders@v1 order by id');
    expect(table).toBe('id  name\n--  ----\n 1  a\n 2  b\n 3  c d\n(3 rows)\n');
  });

  it('sql: the table is cut to the terminal width', async () => {
    const repo = await sharedHistory();
    const q = `select id, repeat('x', 60) as wide, repeat('y', 60) as wider from orders@v1 order by id`;
    const r = await repo.runEnv({ COLUMNS: '40' }, 'sql', q);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.every((l) => [...l].length <= 40)).toBe(true);
    expect(lines[2]).toContain('…');
    expect(lines.at(-1)).toBe('(3 rows)');
  });

  it('sql: relative paths in the query and in --output mean the -C directory', async () => {
    await using repo = await tempRepo({ 'data/x.csv': 'a\n1\n2\n' });
    const r = await runCli(os.tmpdir(), ['-C', repo.path('data'), 'sql', "select count(*) as n from read_csv('x.csv')", '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ n: 2 }]);
    const w = await runCli(os.tmpdir(), ['-C', repo.path('data'), 'sql', 'select 1 as a', '-o', 'one.csv']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(await repo.read('data/one.csv')).toBe('a\n1\n');
  });

  it('sql: --output writes the result to a Parquet file', async () => {
    const repo = await sharedHistory();
    const out = await repo.ok('sql', 'select * from orders@v1 where id > 1', '--output', 'out.parquet');
    expect(out).toContain('wrote 2 rows');
    expect(await json(repo, `select id, name from read_parquet('out.parquet') order by id`)).toEqual([
      { id: 2, name: 'b' },
      { id: 3, name: 'c d' },
    ]);
  });
});
