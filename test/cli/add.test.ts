import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TempRepo } from '../helpers.js';
import { api, commit, fixture, fixtureBytes, lines, newRepo, ORDERS, ordersRepo, statusJson, statusText, track } from './core-helpers.js';

// Where add is the verb under test, what it staged is read back in-process (statusJson / statusText: what `status` would print).

/** A table's chunk files (`files <table> --relative`), read in-process: the files verb has its own tests. */
const chunkFiles = async (repo: TempRepo, table: string) => (await api(repo)).files(table, true);

describe('add', () => {
  it('add: tracks a CSV as a table named by its stem and stages all its rows', async () => {
    await using repo = await newRepo({ 'orders.csv': ORDERS });
    expect(await repo.ok('add', 'orders.csv', '--key', 'id')).toBe('staged orders\n');
    const st = await statusJson(repo);
    expect(st.tables).toEqual([
      {
        table: 'orders',
        file: 'orders.csv',
        staged: { added: 12, removed: 0, modified: 0 },
        unstaged: { added: 0, removed: 0, modified: 0 },
        schemaChanged: false,
        change: 'new',
      },
    ]);
    expect(st.untracked).toEqual([]);
  });

  it('add: the same rows give the same chunk ids whatever the format, name or row order', async () => {
    const [header, ...body] = lines(ORDERS);
    await using repo = await newRepo({
      'orders.csv': ORDERS,
      'shuffled.csv': `${[header, ...body.reverse()].join('\n')}\n`,
      'orders.tsv': fixture('orders.tsv'),
      'orders.parquet': fixtureBytes('orders.parquet'),
      'orders.jsonl': fixture('orders.jsonl'),
    });
    // The text files write amounts as money (10.50), which alone infers DECIMAL(18,2); Parquet and
    // JSON hold DOUBLEs. Same schema, same rows: --type gives the text files the DOUBLE column.
    const asDouble = ['--type', 'amount=DOUBLE'];
    await repo.ok('add', 'orders.csv', '--key', 'id', ...asDouble);
    await repo.ok('add', 'shuffled.csv', '--key', 'id', ...asDouble);
    await repo.ok('add', 'orders.tsv', '--name', 'o_tsv', '--key', 'id', ...asDouble);
    await repo.ok('add', 'orders.parquet', '--name', 'o_parquet', '--key', 'id');
    await repo.ok('add', 'orders.jsonl', '--name', 'o_jsonl', '--key', 'id');
    const ids = await Promise.all(['orders', 'shuffled', 'o_tsv', 'o_parquet', 'o_jsonl'].map((t) => chunkFiles(repo, t)));
    expect(ids[0]).toEqual([expect.stringMatching(/^\.lakegit\/chunks\/[0-9a-f]{64}\.parquet$/)]);
    for (const other of ids.slice(1)) expect(other).toEqual(ids[0]);
  });

  it('add: a file already in key order is chunked as its shuffled copy is, and a repeated key is refused either way', async () => {
    // Composite keys tie on the first column; the ascending check compares the whole key, as ORDER BY does.
    const rows = ['1,1,5', '1,2,6', '1,10,7', '2,-1,8', '2,1,9', '10,0,1'];
    const head = 'order_id,line,qty';
    await using repo = await newRepo({
      'sorted.csv': `${head}\n${rows.join('\n')}\n`,
      'shuffled.csv': `${head}\n${[rows[3], rows[0], rows[5], rows[2], rows[1], rows[4]].join('\n')}\n`,
      'dup_sorted.csv': `${head}\n${[...rows.slice(0, 2), '1,2,0', ...rows.slice(2)].join('\n')}\n`,
      'dup_first_col.csv': `${head}\n1,1,5\n1,1,6\n`,
    });
    await repo.ok('add', 'sorted.csv', '--key', 'order_id,line');
    await repo.ok('add', 'shuffled.csv', '--key', 'order_id,line');
    const [a, b] = await Promise.all(['sorted', 'shuffled'].map((t) => chunkFiles(repo, t)));
    expect(a).toEqual([expect.stringMatching(/^\.lakegit\/chunks\/[0-9a-f]{64}\.parquet$/)]);
    expect(b).toEqual(a);
    const sorted = await repo.ok('sql', 'SELECT order_id, line FROM sorted', '--format', 'csv');
    expect(sorted).toBe('order_id,line\n1,1\n1,2\n1,10\n2,-1\n2,1\n10,0\n');
    for (const [file, shown] of [
      ['dup_sorted.csv', 'order_id=1, line=2'],
      ['dup_first_col.csv', 'order_id=1, line=1'],
    ]) {
      const r = await repo.run('add', file, '--key', 'order_id,line');
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`duplicate key in '${file}': ${shown} appears 2 times`);
    }
  });

  it('add: a second add of a tracked file stages only what changed', async () => {
    await using repo = await ordersRepo();
    await repo.write('orders.csv', `${ORDERS.replace('3,101,7.25,', '3,101,7.50,')}13,108,1.00,new,2024-01-15 10:00:00,false,\n`);
    expect(await repo.ok('add', 'orders.csv')).toBe('staged orders\n');
    const [t] = (await statusJson(repo)).tables;
    expect(t.staged).toEqual({ added: 1, removed: 0, modified: 1 });
    expect(t.unstaged).toEqual({ added: 0, removed: 0, modified: 0 });
    expect(await repo.ok('add', 'orders.csv')).not.toContain('staged');
  });

  it('add: the table name also stages a tracked table, and --name chooses the name', async () => {
    await using repo = await newRepo({ 'data/orders.csv': ORDERS });
    await repo.ok('add', 'data/orders.csv', '--key', 'id', '--name', 'sales');
    await commit(repo, 'load');
    await repo.write('data/orders.csv', ORDERS.replace('\n12,104,', '\n12,999,'));
    expect(await repo.ok('add', 'sales')).toBe('staged sales\n');
    expect((await statusJson(repo)).tables[0]).toMatchObject({ table: 'sales', file: 'data/orders.csv', staged: { modified: 1 } });
  });

  it('add: "add ." stages every changed tracked table and leaves untracked files alone', async () => {
    await using repo = await ordersRepo({ 'customers.csv': fixture('customers.csv') });
    await track(repo, 'customers.csv', ['id']);
    await commit(repo, 'customers');
    await repo.write('orders.csv', ORDERS.replace('\n5,104,', '\n5,105,'));
    await repo.write('new.csv', 'id\n1\n');
    expect(await repo.ok('add', '.')).toBe('staged orders\n');
    const st = await statusJson(repo);
    expect(st.tables.map((t: any) => [t.table, t.staged.modified])).toEqual([
      ['customers', 0],
      ['orders', 1],
    ]);
    expect(st.untracked).toEqual(['new.csv']);
  });

  it('add: a tracked file that vanished stages the removal of its table', async () => {
    await using repo = await ordersRepo();
    await (await import('node:fs/promises')).rm(repo.path('orders.csv'));
    expect(await repo.ok('add', 'orders.csv')).toBe('staged removal of orders\n');
    expect((await statusJson(repo)).tables[0]).toMatchObject({ table: 'orders', change: 'deleted', staged: { removed: 12 } });
  });

  it('add: a composite key identifies rows by all its columns', async () => {
    await using repo = await newRepo({ 'lines.csv': 'order_id,line,qty\n1,1,5\n1,2,6\n2,1,7\n' });
    await repo.ok('add', 'lines.csv', '--key', 'order_id,line');
    await commit(repo, 'load');
    await repo.write('lines.csv', 'order_id,line,qty\n1,1,5\n1,2,9\n2,1,7\n2,2,1\n');
    expect((await statusJson(repo)).tables[0].unstaged).toEqual({ added: 1, removed: 0, modified: 1 });
  });

  it('add: --keyless keeps duplicate rows and counts them as a multiset', async () => {
    // Columns named n and w once collided with the multiset diff's own aliases.
    await using repo = await newRepo({ 'events.csv': 'n,w\n1,2\n1,2\n3,4\n' });
    await repo.ok('add', 'events.csv', '--keyless');
    await commit(repo, 'load');
    await repo.write('events.csv', 'n,w\n1,2\n3,4\n5,6\n');
    expect((await statusJson(repo)).tables[0].unstaged).toEqual({ added: 1, removed: 1, modified: 0 });
    await commit(repo, 'dedupe', true);
    await repo.ok('checkout', 'HEAD~1', '--force');
    // The file keeps its own order; the copy of 1,2 it lacks is appended (docs/cli.md, "Row order of working files").
    expect(await repo.read('events.csv')).toBe('n,w\n1,2\n3,4\n1,2\n');
  });

  it('add: odd values (quotes, commas, newlines, unicode, empty vs NULL, big integers) survive a round trip', async () => {
    await using repo = await newRepo({ 'odd.csv': fixture('odd.csv') });
    await repo.ok('add', 'odd.csv', '--key', 'id');
    await commit(repo, 'odd');
    const out = path.join(os.tmpdir(), `lakegit-odd-${process.pid}.jsonl`);
    await repo.ok('export', 'odd', out);
    const text = await import('node:fs/promises').then((f) => f.readFile(out, 'utf8').finally(() => f.rm(out)));
    const rows = lines(text).map((l) => JSON.parse(l));
    expect(rows.map((r) => r.label)).toEqual(['comma, inside', 'quote " inside', 'line\nbreak', '', 'ünïcødé ✓ 日本', 'NULL']);
    expect(rows[2]).toMatchObject({ amount: null, flag: null, ts: null });
    expect(rows[3]).toMatchObject({ day: null, label: '' });
    expect(text).toContain('"big":-9223372036854775808');
    expect(text).toContain('"big":9007199254740993');
    await repo.write('odd.csv', 'id,label\n');
    await repo.ok('checkout', '--force', 'HEAD');
    expect(await statusText(repo)).toContain('nothing to commit, working tree clean');
    await repo.ok('add', 'odd.csv');
    expect(await statusText(repo)).toContain('nothing to commit, working tree clean');
  });
});
