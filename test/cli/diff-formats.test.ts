import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { Repo } from '../../src/repo.js';
import { TEST_ENV, tempRepo, type TempRepo, commitMade } from '../helpers.js';

Object.assign(process.env, TEST_ENV);

async function repoWith(files: Record<string, string>): Promise<TempRepo> {
  const repo = await tempRepo(files, false);
  await Repo.init(repo.dir);
  return repo;
}
const api = (repo: TempRepo) => Repo.open(repo.dir);
async function track(repo: TempRepo, file: string, key: string[] | null): Promise<void> {
  await (await api(repo)).add({ paths: [file], cwd: repo.dir, key: key ?? undefined, keyless: key === null });
}
const commit = async (repo: TempRepo, message: string) => commitMade(await (await api(repo)).commit({ message, all: true })).oid;
const json = async (repo: TempRepo, ...args: string[]) => JSON.parse(await repo.ok('diff', '--json', ...args));

/** Write a Parquet file from a DuckDB query, for types CSV cannot carry. */
async function parquet(repo: TempRepo, file: string, select: string): Promise<void> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`COPY (${select}) TO ${quoteLiteral(repo.path(file))} (FORMAT parquet)`);
  conn.closeSync();
}

/**
 * Run `diff <from> <to> --format sql` in a fresh DuckDB holding the tables as of `from`, and check
 * that every table then holds exactly its rows (and columns) as of `to`.
 */
async function expectPatchWorks(repo: TempRepo, from: string, to: string, before: string[], after: string[]): Promise<string> {
  const patch = await repo.ok('diff', from, to, '--format', 'sql');
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const r = await api(repo);
  const load = async (table: string, rev: string, as: string) => {
    const file = repo.path(`.${as}-${table}.parquet`);
    await r.export(`${table}@${rev}`, file);
    await conn.run(
      `CREATE TABLE ${quoteIdent(as === 'old' ? table : `__want_${table}`)} AS SELECT * FROM read_parquet(${quoteLiteral(file)})`,
    );
  };
  for (const t of before) await load(t, from, 'old');
  for (const t of after) await load(t, to, 'new');
  await conn.run(patch);
  for (const t of after) {
    const [got, want] = [quoteIdent(t), quoteIdent(`__want_${t}`)];
    const cols = async (x: string) =>
      (await conn.runAndReadAll(`DESCRIBE ${x}`))
        .getRowObjectsJson()
        .map((c) => `${c.column_name} ${c.column_type}`)
        .sort();
    expect(await cols(got)).toEqual(await cols(want));
    const names = (await conn.runAndReadAll(`DESCRIBE ${want}`))
      .getRowObjectsJson()
      .map((c) => quoteIdent(String(c.column_name)))
      .join(', ');
    const diff = await conn.runAndReadAll(`SELECT count(*) FROM ((SELECT ${names} FROM ${got} EXCEPT ALL SELECT ${names} FROM ${want})
      UNION ALL (SELECT ${names} FROM ${want} EXCEPT ALL SELECT ${names} FROM ${got}))`);
    expect(Number(diff.getRows()[0][0])).toBe(0);
  }
  const tables = (await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE NOT table_name LIKE '__want_%' ORDER BY 1`))
    .getRows()
    .map((x) => x[0]);
  expect(tables).toEqual([...after].sort());
  conn.closeSync();
  return patch;
}

describe('diff: formats', () => {
  it('diff --format json: exactly the contract shape', async () => {
    await using repo = await repoWith({ 'orders.csv': 'id,amount\n7,10.00\n8,5\n' });
    await track(repo, 'orders.csv', ['id']);
    const r1 = await commit(repo, 'load');
    await repo.write('orders.csv', 'id,amount,c\n7,12.50,\n9,1,x\n');
    const r2 = await commit(repo, 'edit');
    expect(await json(repo, r1, r2)).toEqual({
      from: r1,
      to: r2,
      tables: [
        {
          table: 'orders',
          status: 'modified',
          schema: { added: [{ name: 'c', type: 'VARCHAR' }], removed: [], changed: [] },
          stats: { added: 1, removed: 1, modified: 1 },
          rows: [
            { op: 'modified', key: { id: 7 }, before: { id: 7, amount: 10 }, after: { id: 7, amount: 12.5, c: null }, changed: ['amount'] },
            { op: 'removed', key: { id: 8 }, before: { id: 8, amount: 5 }, after: null, changed: [] },
            { op: 'added', key: { id: 9 }, before: null, after: { id: 9, amount: 1, c: 'x' }, changed: [] },
          ],
        },
      ],
    });
    expect(await repo.ok('diff', r1, r2, '--format', 'json')).toBe(await repo.ok('diff', r1, r2, '--json'));
  });

  it('diff --format csv: a header with op, then one line per changed row, NULL as an empty field', async () => {
    await using repo = await repoWith({ 'p.csv': 'id,name,note\n1,ann,x\n2,bob,\n3,"c, d",y\n' });
    await track(repo, 'p.csv', ['id']);
    await commit(repo, 'load');
    await repo.write('p.csv', 'id,name,note\n1,ann,\n2,bob,""\n4,"say ""hi""",z\n');
    expect(await repo.ok('diff', '--format', 'csv')).toBe(
      ['op,id,name,note', 'modified,1,ann,', 'modified,2,bob,""', 'removed,3,"c, d",y', 'added,4,"say ""hi""",z', ''].join('\n'),
    );
  });

  it('diff --format sql: DELETE/UPDATE/INSERT keyed by the primary key turn the old snapshot into the new', async () => {
    await using repo = await repoWith({ 'my orders.csv': 'id,amount,name\n1,10.5,a\n2,20,b\n3,30,"it\'s"\n' });
    await track(repo, 'my orders.csv', ['id']);
    const r1 = await commit(repo, 'load');
    await repo.write('my orders.csv', 'id,amount,name\n1,11.5,a\n2,20,\n4,40,"x ""y"""\n');
    const r2 = await commit(repo, 'edit');
    const patch = await expectPatchWorks(repo, r1, r2, ['my orders'], ['my orders']);
    expect(patch).toBe(
      [
        'BEGIN TRANSACTION;',
        `UPDATE "my orders" SET "amount" = CAST('11.5' AS DOUBLE) WHERE "id" = 1;`,
        `UPDATE "my orders" SET "name" = NULL WHERE "id" = 2;`,
        `DELETE FROM "my orders" WHERE "id" = 3;`,
        `INSERT INTO "my orders" ("id", "amount", "name") VALUES (4, CAST('40.0' AS DOUBLE), 'x "y"');`,
        'COMMIT;',
        '',
      ].join('\n'),
    );
  });
});

describe('diff: schema and tables', () => {
  it('diff: added, dropped, re-typed and re-ordered columns; a new column counts only where not NULL', async () => {
    await using repo = await repoWith({ 't.csv': 'id,a,b,old\n1,1,x,\n2,2,y,gone\n3,3,z,\n' });
    await track(repo, 't.csv', ['id']);
    const r1 = await commit(repo, 'load');
    await repo.write('t.csv', 'id,b,a,new\n1,x,1,\n2,y,two,\n3,z,3,5\n');
    const r2 = await commit(repo, 'schema');
    const d = await json(repo, r1, r2);
    expect(d.tables[0].schema).toEqual({
      added: [{ name: 'new', type: 'BIGINT' }],
      removed: [{ name: 'old', type: 'VARCHAR' }],
      changed: [{ name: 'a', from: 'BIGINT', to: 'VARCHAR' }],
      reordered: true,
    });
    // Row 2: a 2 → 'two' and old 'gone' dropped; row 3: new = 5. Row 1 only moved columns: no change.
    expect(d.tables[0].rows.map((r: { key: unknown; changed: string[] }) => [r.key, r.changed])).toEqual([
      [{ id: 2 }, ['a', 'old']],
      [{ id: 3 }, ['new']],
    ]);
    expect(await repo.ok('diff', r1, r2, '--stat')).toContain('(schema: +new, -old, ~a BIGINT → VARCHAR, columns reordered)');
    await expectPatchWorks(repo, r1, r2, ['t'], ['t']);
  });

  it('diff: a renamed table (same chunks, new name) is "renamed" with "from"; added and removed tables', async () => {
    await using repo = await repoWith({ 'a.csv': 'id,v\n1,x\n2,y\n', 'gone.csv': 'k\n1\n2\n' });
    await track(repo, 'a.csv', ['id']);
    await track(repo, 'gone.csv', ['k']);
    const r1 = await commit(repo, 'load');
    await (await api(repo)).mv('a', 'b'); // set-up in-process: mv and rm have their own tests
    await (await api(repo)).rm('gone');
    await repo.write('new.csv', 'n,w\n1,"p q"\n');
    await track(repo, 'new.csv', ['n']);
    const r2 = await commit(repo, 'reshape');
    const d = await json(repo, r1, r2);
    expect(d.tables.map((t: object) => ({ ...t, schema: undefined }))).toEqual([
      { table: 'b', status: 'renamed', from: 'a', stats: { added: 0, removed: 0, modified: 0 }, rows: [], schema: undefined },
      {
        table: 'gone',
        status: 'removed',
        stats: { added: 0, removed: 2, modified: 0 },
        rows: [
          { op: 'removed', key: { k: 1 }, before: { k: 1 }, after: null, changed: [] },
          { op: 'removed', key: { k: 2 }, before: { k: 2 }, after: null, changed: [] },
        ],
        schema: undefined,
      },
      {
        table: 'new',
        status: 'added',
        stats: { added: 1, removed: 0, modified: 0 },
        rows: [{ op: 'added', key: { n: 1 }, before: null, after: { n: 1, w: 'p q' }, changed: [] }],
        schema: undefined,
      },
    ]);
    expect(await repo.ok('diff', r1, r2, '--summary')).toBe(' renamed  a → b\n removed  gone\n added    new\n');
    await expectPatchWorks(repo, r1, r2, ['a', 'gone'], ['b', 'new']);
    expect((await json(repo, r1, r2, 'a')).tables.map((t: { table: string }) => t.table)).toEqual(['b']);
  });

  it('diff: keyless tables diff as multisets (a duplicate copy added or removed)', async () => {
    await using repo = await repoWith({ 'log.csv': 'ev,n\nx,1\nx,1\ny,2\n' });
    await track(repo, 'log.csv', null);
    const r1 = await commit(repo, 'load');
    await repo.write('log.csv', 'ev,n\ny,2\nx,1\nz,3\nz,3\n');
    const r2 = await commit(repo, 'edit');
    const d = await json(repo, r1, r2);
    expect(d.tables[0].stats).toEqual({ added: 2, removed: 1, modified: 0 });
    expect(d.tables[0].rows).toEqual([
      { op: 'removed', key: null, before: { ev: 'x', n: 1 }, after: null, changed: [] },
      { op: 'added', key: null, before: null, after: { ev: 'z', n: 3 }, changed: [] },
      { op: 'added', key: null, before: null, after: { ev: 'z', n: 3 }, changed: [] },
    ]);
    await expectPatchWorks(repo, r1, r2, ['log'], ['log']);
  });

  it('status and show count through the same engine: a new column counts where it is not NULL', async () => {
    await using repo = await repoWith({ 't.csv': 'id,v\n1,a\n2,b\n3,c\n' });
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'load');
    await repo.write('t.csv', 'id,v,w\n1,a,\n2,b,9\n3,c,\n');
    const st = JSON.parse(await repo.ok('status', '--json'));
    expect(st.tables[0].unstaged).toEqual({ added: 0, removed: 0, modified: 1 });
    expect(st.tables[0].schemaChanged).toBe(true);
    await commit(repo, 'add w');
    const show = JSON.parse(await repo.ok('show', '--json'));
    expect(show.changes[0]).toMatchObject({ table: 't', modified: 1, added: 0, removed: 0, schemaChanged: true });
    expect((await json(repo, 'HEAD~1', 'HEAD')).tables[0].stats).toEqual({ added: 0, removed: 0, modified: 1 });
  });
});

describe('diff: odd values', () => {
  it('diff: NaN, near-equal floats, decimals, zoned timestamps, BLOBs, LIST/STRUCT, long and unicode strings, quoted keys', async () => {
    await using repo = await repoWith({});
    const long = `${'lorem ipsum '.repeat(500)}end`;
    await parquet(
      repo,
      'odd.parquet',
      `SELECT * FROM (VALUES
      ('it''s a key', 'NaN'::DOUBLE, 1.000::DECIMAL(18,3), TIMESTAMPTZ '2024-01-01 10:00:00+02', '\\xAA\\x00'::BLOB, [1, 2], {'a': 'x', 'b': 1}, ${quoteLiteral(long)}),
      ('say "hi"', 0.3::DOUBLE, 2.500::DECIMAL(18,3), TIMESTAMPTZ '2024-01-01 00:00:00+00', 'b'::BLOB, [3], {'a': 'y', 'b': 2}, 'ü 🙂 中文'),
      (' lead', 1.5::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL),
      ('ü', 2::DOUBLE, 0::DECIMAL(18,3), NULL, NULL, [], {'a': NULL, 'b': NULL}, '')
    ) t(k, d, dec, ts, bl, l, s, txt)`,
    );
    await track(repo, 'odd.parquet', ['k']);
    const r1 = await commit(repo, 'load');
    await parquet(
      repo,
      'odd.parquet',
      `SELECT * FROM (VALUES
      ('it''s a key', 'NaN'::DOUBLE, 1.000::DECIMAL(18,3), TIMESTAMPTZ '2024-01-01 08:00:00+00', '\\xAA\\x00'::BLOB, [1, 2], {'a': 'x', 'b': 1}, ${quoteLiteral(long.replace('ipsum end', 'IPSUM end'))}),
      ('say "hi"', 0.30000000000000004::DOUBLE, 2.501::DECIMAL(18,3), TIMESTAMPTZ '2024-01-01 00:00:01+00', 'b'::BLOB, [3], {'a': 'y', 'b': 2}, 'ü 🙂 中文!'),
      (' lead', 1.5::DOUBLE, NULL, NULL, '\\x00'::BLOB, [NULL], {'a': 'it''s', 'b': NULL}, NULL),
      ('new, key', NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ) t(k, d, dec, ts, bl, l, s, txt)`,
    );
    const r2 = await commit(repo, 'edit');
    const d = await json(repo, r1, r2);
    const rows = d.tables[0].rows as {
      op: string;
      key: { k: string };
      before: Record<string, unknown>;
      after: Record<string, unknown>;
      changed: string[];
    }[];
    // Same instant in another zone, NaN to NaN, NULL to NULL: no change.
    expect(rows.map((r) => [r.op, r.key.k, r.changed])).toEqual([
      ['modified', ' lead', ['bl', 'l', 's']],
      ['modified', "it's a key", ['txt']],
      ['added', 'new, key', []],
      ['modified', 'say "hi"', ['d', 'dec', 'ts', 'txt']],
      ['removed', 'ü', []],
    ]);
    const hi = rows[3];
    expect([hi.before.d, hi.after.d]).toEqual([0.3, 0.30000000000000004]);
    expect([hi.before.dec, hi.after.dec]).toEqual(['2.500', '2.501']);
    expect(hi.after.ts).toBe('2024-01-01 00:00:01+00');
    expect(rows[0].after).toMatchObject({ bl: '\\x00', l: [null], s: { a: "it's", b: null } });
    expect(rows[1].before.d).toBe('NaN');
    const text = await repo.ok('diff', r1, r2);
    expect(text).toContain('~ "it\'s a key" │ txt: "lorem ipsum lorem ipsum');
    expect(text).toContain('d: 0.3 → 0.30000000000000004');
    expect(text.split('\n').every((l) => l.length < 1000)).toBe(true);
    await expectPatchWorks(repo, r1, r2, ['odd'], ['odd']);
    const csv = await repo.ok('diff', r1, r2, '--format', 'csv');
    expect(csv.split('\n')[1]).toBe(`modified," lead",1.5,,,\\x00,[NULL],"{'a': 'it\\'s', 'b': NULL}",`);
  });

  it('diff: nested JSON Lines values and a composite key with spaces and quotes', async () => {
    await using repo = await repoWith({
      'ev.jsonl': [
        '{"region name":"EU west","id":1,"tags":["a","b"],"info":{"x":1,"y":"q"}}',
        '{"region name":"it\'s","id":1,"tags":[],"info":{"x":2,"y":null}}',
        '{"region name":"it\'s","id":2,"tags":["c"],"info":{"x":3,"y":"r"}}',
      ].join('\n'),
    });
    await track(repo, 'ev.jsonl', ['region name', 'id']);
    const r1 = await commit(repo, 'load');
    await repo.write(
      'ev.jsonl',
      [
        '{"region name":"EU west","id":1,"tags":["a","b","c"],"info":{"x":1,"y":"q"}}',
        '{"region name":"it\'s","id":1,"tags":[],"info":{"x":2,"y":null}}',
        '{"region name":"it\'s","id":2,"tags":["c"],"info":{"x":4,"y":"r"}}',
      ].join('\n'),
    );
    const r2 = await commit(repo, 'edit');
    const d = await json(repo, r1, r2);
    expect(
      d.tables[0].rows.map((r: { key: unknown; changed: string[]; after: { tags: unknown; info: unknown } }) => [
        r.key,
        r.changed,
        r.after.tags,
        r.after.info,
      ]),
    ).toEqual([
      [{ 'region name': 'EU west', id: 1 }, ['tags'], ['a', 'b', 'c'], { x: 1, y: 'q' }],
      [{ 'region name': "it's", id: 2 }, ['info'], ['c'], { x: 4, y: 'r' }],
    ]);
    expect(await repo.ok('diff', r1, r2)).toContain('~ region name="EU west", id=1 │ tags: ["a","b"] → ["a","b","c"]');
    await expectPatchWorks(repo, r1, r2, ['ev'], ['ev']);
  });

  it('diff: NULL to NULL is no change, NULL to a value and back are; 0.1 and 0.10 are the same number', async () => {
    await using repo = await repoWith({ 'n.csv': 'id,x,s\n1,,\n2,0.1,a\n3,,b\n4,1.5,\n' });
    await track(repo, 'n.csv', ['id']);
    await commit(repo, 'load');
    await repo.write('n.csv', 'id,x,s\n1,,\n2,0.10,a\n3,2.5,b\n4,,""\n');
    const d = await json(repo);
    expect(d.tables[0].rows.map((r: { key: unknown; changed: string[] }) => [r.key, r.changed])).toEqual([
      [{ id: 3 }, ['x']],
      [{ id: 4 }, ['x', 's']],
    ]);
  });
});
