import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Engine, JsonRow } from '../../../src/engine/db.js';
import { quoteIdent, quoteLiteral } from '../../../src/engine/quote.js';
import { renderCsv } from '../../../src/cli/render/diff-csv.js';
import { renderJson } from '../../../src/cli/render/diff-json.js';
import { Out } from '../../../src/cli/render/diff-out.js';
import { renderSql } from '../../../src/cli/render/diff-sql.js';
import { renderStat } from '../../../src/cli/render/diff-stat.js';
import { renderTable } from '../../../src/cli/render/diff-table.js';
import type { DiffRow, DiffSession, TableDiff } from '../../../src/ops/diff/index.js';
import { rangeTuning } from '../../../src/ops/diff/ranges.js';
import { jsonTuning } from '../../../src/ops/diff/json-text.js';
import type { Column } from '../../../src/table/schema.js';
import { chunkFixture, type Row, type Value } from '../diff-fixture.js';

// issue 16: `diff A B` in every format, with and without --where/--columns, equals the full-join
// diff computed from the whole snapshots in plain DuckDB SQL (from the generated rows, not from
// lakegit's chunks), and `diff --format sql` applied to A gives B (or, filtered, A with just the
// kept changes). Snapshots are stored in tiny chunks with change chunks, so pruned, ranged and
// full plans all run.

const SEED = 1616;
const RUNS = 30;

const BASE: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'select', type: 'VARCHAR' },
  { name: 'w', type: 'INTEGER' },
  { name: '__op', type: 'VARCHAR' },
  { name: 'filename', type: 'DECIMAL(18,2)' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'big', type: 'BIGINT' },
  { name: 'odd "name", é', type: 'VARCHAR' },
];
const EXTRA: Column = { name: 'rowid', type: 'VARCHAR' };

const ids = fc.constantFrom('1', '2', '3', '9007199254740993', '-9223372036854775808', '9223372036854775807', '42', '-7', '0', '100');
const text = fc.constantFrom<Value>('a', 'b', 'é', 'ü 🙂', "it's", '"q"', '', 'NULL', 'a b', null);
const cells = {
  w: fc.option(fc.integer({ min: -2, max: 2 }), { nil: null }),
  __op: text,
  filename: fc.constantFrom<Value>('0.00', '10.50', '-3.25', '99999999.99', null),
  ts: fc.constantFrom<Value>('2024-01-01 00:00:00', '1970-01-01 00:00:00.000001', '2024-02-29 23:59:59.999999', null),
  big: fc.constantFrom<Value>('9007199254740993', '9007199254740992', '-9223372036854775808', '1', null),
  odd: text,
  rowid: text,
};
const cellRow = fc.record(cells);
const keyPart = fc.constantFrom('a', 'é', '🙂', "it's", 'a b');

const WHERES = [
  'w > 0',
  `"__op" = 'a'`,
  'big IS NULL',
  'filename >= 0',
  `"select" LIKE 'a%'`,
  `rowid = 'b'`,
  `"odd ""name"", é" IS NOT NULL AND w <> 1`,
];

const scenario = fc.record({
  shape: fc.constantFrom<'keyed' | 'composite' | 'keyless'>('keyed', 'composite', 'keyless'),
  a: fc.array(fc.tuple(ids, keyPart, cellRow), { maxLength: 24 }),
  edits: fc.array(fc.tuple(fc.constantFrom('keep', 'set', 'drop', 'dup'), cellRow), { maxLength: 24 }),
  added: fc.array(fc.tuple(ids, keyPart, cellRow), { maxLength: 6 }),
  schema: fc.constantFrom<'same' | 'add' | 'drop'>('same', 'same', 'add', 'drop'),
  fresh: fc.boolean(),
  // B holds as many rows as A, one under a new key: both sides' chunks may add up alike, so the
  // JSON text tries pairing rows by position and must find that the keys do not pair up.
  rekey: fc.boolean(),
  where: fc.option(fc.constantFrom(...WHERES), { nil: undefined }),
  columns: fc.option(fc.subarray(['w', '__op', 'filename', 'ts', 'big', 'odd "name", é'], { minLength: 1 }), { nil: undefined }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

const toRow = ([id, sel, c]: [string, string, Record<string, Value>]): Row => ({
  id,
  select: sel,
  w: c.w,
  __op: c.__op,
  filename: c.filename,
  ts: c.ts,
  big: c.big,
  'odd "name", é': c.odd,
  rowid: c.rowid,
});

/** Tables A and B as rows, their columns and key, from a scenario. */
function build(s: Scenario) {
  const key = s.shape === 'keyed' ? ['id'] : s.shape === 'composite' ? ['select', 'id'] : null;
  const identity = (r: Row) => JSON.stringify(key ? key.map((k) => r[k]) : Math.random());
  const unique = (rows: Row[]) => (key ? [...new Map(rows.map((r) => [identity(r), r])).values()] : rows);
  const colsA = s.schema === 'drop' ? [...BASE, EXTRA] : BASE;
  const colsB = s.schema === 'add' ? [...BASE, EXTRA] : BASE;
  const a = unique(s.a.map(toRow));
  const b: Row[] = [];
  const rekey = s.rekey && key !== null;
  a.forEach((r, i) => {
    const [kind, c] = s.edits[i] ?? ['keep', {}];
    if (kind === 'drop' && !rekey) return;
    const next = kind === 'set' ? { ...toRow([String(r.id), String(r.select), c as Record<string, Value>]) } : { ...r };
    b.push(next);
    if (kind === 'dup' && !key) b.push({ ...next });
  });
  if (rekey && b.length) b[0] = { ...b[0], id: '77' }; // an id no generated row has
  const bRows = unique([...b, ...(rekey ? [] : s.added.map(toRow))]);
  const only = (cols: Column[]) => (r: Row) => Object.fromEntries(cols.map((c) => [c.name, r[c.name] ?? null]));
  return { key, colsA, colsB, a: a.map(only(colsA)), b: bRows.map(only(colsB)) };
}

const lit = (v: Value, type: string) => (v === null ? `CAST(NULL AS ${type})` : `CAST(${quoteLiteral(String(v))} AS ${type})`);

async function table(engine: Engine, name: string, cols: Column[], rows: Row[]) {
  await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(name)} (${cols.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`);
  if (rows.length) {
    const values = rows.map((r) => `(${cols.map((c) => lit(r[c.name] ?? null, c.type)).join(', ')})`);
    await engine.run(`INSERT INTO ${quoteIdent(name)} VALUES ${values.join(', ')}`);
  }
}

interface Oracle {
  rows: DiffRow[];
  /** The CSV lines' fields as text (op, then every shown column), sorted. */
  csv: string[];
}

/** The diff from the whole tables `oracle_a`/`oracle_b` by one full outer join (keyed) or multiset counts. */
async function oracle(engine: Engine, colsA: Column[], colsB: Column[], key: string[] | null, where?: string, columns?: string[]) {
  const q = quoteIdent;
  const union = [...colsB, ...colsA.filter((c) => !colsB.some((b) => b.name === c.name))];
  const shown = union.filter((c) => key?.includes(c.name) || !columns || columns.includes(c.name));
  const compared = shown.filter((c) => !key?.includes(c.name));
  // The filter reads the projected row (a subquery), so a name the table lacks is NULL, never DuckDB's rowid.
  const side = (name: string, cols: Column[]) =>
    `SELECT *, true AS oracle_present, coalesce(${where ? `(${where})` : 'true'}, false) AS oracle_match FROM (SELECT ${union
      .map((c) => (cols.some((x) => x.name === c.name) ? q(c.name) : `CAST(NULL AS ${c.type}) AS ${q(c.name)}`))
      .join(', ')} FROM ${name})`;
  const has = (cols: Column[], c: Column) => cols.some((x) => x.name === c.name);
  const out: Oracle = { rows: [], csv: [] };
  if (key) {
    const sql = `SELECT CASE WHEN b.oracle_present IS NULL THEN 'added' WHEN a.oracle_present IS NULL THEN 'removed' ELSE 'modified' END AS op,
      ${shown.map((c, j) => `b.${q(c.name)} AS b${j}, a.${q(c.name)} AS a${j}, CAST(CASE WHEN a.oracle_present IS NULL THEN b.${q(c.name)} ELSE a.${q(c.name)} END AS VARCHAR) AS t${j}`).join(', ')},
      ${compared.length ? compared.map((c) => `b.${q(c.name)} IS DISTINCT FROM a.${q(c.name)}`).join(' OR ') : 'false'} AS oracle_any,
      [${compared.length ? compared.map((c) => `CASE WHEN b.${q(c.name)} IS DISTINCT FROM a.${q(c.name)} THEN ${quoteLiteral(c.name)} END`).join(', ') : ''}]::VARCHAR[] AS oracle_changed
      FROM (${side('oracle_b', colsA)}) b FULL OUTER JOIN (${side('oracle_a', colsB)}) a ON ${key.map((k) => `b.${q(k)} = a.${q(k)}`).join(' AND ')}
      WHERE (b.oracle_present IS NULL OR a.oracle_present IS NULL OR oracle_any) AND (coalesce(b.oracle_match, false) OR coalesce(a.oracle_match, false))`;
    for (const r of await engine.all(sql)) {
      const op = r.op as DiffRow['op'];
      const pick = (prefix: string, cols: Column[]) =>
        Object.fromEntries(shown.flatMap((c, j) => (has(cols, c) ? [[c.name, r[`${prefix}${j}`]]] : [])));
      const keyObj = Object.fromEntries(key.map((k) => [k, r[`${op === 'removed' ? 'b' : 'a'}${shown.findIndex((c) => c.name === k)}`]]));
      out.rows.push({
        op,
        key: keyObj,
        before: op === 'added' ? null : pick('b', colsA),
        after: op === 'removed' ? null : pick('a', colsB),
        changed: op === 'modified' ? (r.oracle_changed as (string | null)[]).filter((x): x is string => x !== null).sort() : [],
      });
      out.csv.push(JSON.stringify([op, ...shown.map((_, j) => r[`t${j}`])]));
    }
  } else {
    const cols = shown.map((c) => q(c.name)).join(', ');
    const filtered = (name: string, cols2: Column[]) => `SELECT ${cols} FROM (${side(name, cols2)}) WHERE oracle_match`;
    const sql = `SELECT ${shown.map((c, j) => `${q(c.name)} AS v${j}, CAST(${q(c.name)} AS VARCHAR) AS t${j}`).join(', ')}, n FROM (
      SELECT ${cols}, sum(s) AS n FROM (SELECT *, 1 AS s FROM (${filtered('oracle_a', colsB)}) UNION ALL SELECT *, -1 AS s FROM (${filtered('oracle_b', colsA)}))
      GROUP BY ALL HAVING sum(s) <> 0)`;
    for (const r of await engine.all(sql)) {
      const n = Number(r.n);
      const op = n > 0 ? 'added' : 'removed';
      const obj = (cols2: Column[]) => Object.fromEntries(shown.flatMap((c, j) => (has(cols2, c) ? [[c.name, r[`v${j}`]]] : [])));
      for (let i = 0; i < Math.abs(n); i++) {
        out.rows.push({
          op,
          key: null,
          before: op === 'removed' ? obj(colsA) : null,
          after: op === 'added' ? obj(colsB) : null,
          changed: [],
        });
        const fields = shown.map((c, j) => (has(op === 'added' ? colsB : colsA, c) ? r[`t${j}`] : null));
        out.csv.push(JSON.stringify([op, ...fields]));
      }
    }
  }
  out.csv.sort();
  return out;
}

const canonical = (rows: DiffRow[]) => rows.map((r) => JSON.stringify({ ...r, changed: [...r.changed].sort() })).sort();

async function rendered(t: TableDiff, render: (s: DiffSession, out: Out) => Promise<unknown>): Promise<string> {
  let text = '';
  const sink = {
    write: (s: string) => ((text += s), true),
    on: () => sink,
    off: () => sink,
  };
  const out = new Out(sink as unknown as NodeJS.WritableStream);
  await render(
    {
      from: 'A',
      to: 'B',
      tableCount: 1,
      tables: async function* () {
        yield t;
      },
    },
    out,
  );
  await out.flush();
  return text;
}

/** CSV text read back by DuckDB as text, one JSON array per line (op first), sorted. */
async function csvLines(engine: Engine, dir: string, text: string): Promise<string[]> {
  if (!text) return [];
  const file = path.join(dir, 'diff.csv');
  await fsp.writeFile(file, text);
  const rows = await engine.all(
    `SELECT * FROM read_csv(${quoteLiteral(file)}, header = true, all_varchar = true, quote = '"', escape = '"', allow_quoted_nulls = false, auto_detect = true, delim = ',')`,
  );
  return rows.map((r) => JSON.stringify(Object.values(r))).sort();
}

/** The table `diff --format sql` should leave: B, or A with just the kept changes applied. */
async function expectedAfterPatch(
  engine: Engine,
  key: string[] | null,
  colsA: Column[],
  colsB: Column[],
  kept: DiffRow[],
  filtered: boolean,
) {
  const names = colsB.map((c) => quoteIdent(c.name)).join(', ');
  if (!filtered) return engine.all(`SELECT ${names} FROM oracle_a ORDER BY ALL`);
  // A patch of kept changes: rows of B for the kept keys (keyed), or the filtered multiset moves (keyless).
  await table(engine, 'oracle_expected', colsA, []);
  await engine.run(`INSERT INTO oracle_expected SELECT * FROM oracle_b`);
  for (const c of colsB.filter((c) => !colsA.some((a) => a.name === c.name)))
    await engine.run(`ALTER TABLE oracle_expected ADD COLUMN ${quoteIdent(c.name)} ${c.type}`);
  for (const c of colsA.filter((c) => !colsB.some((b) => b.name === c.name)))
    await engine.run(`ALTER TABLE oracle_expected DROP COLUMN ${quoteIdent(c.name)}`);
  const match = (r: JsonRow, cols: string[]) =>
    cols
      .map(
        (c) =>
          `${quoteIdent(c)} IS NOT DISTINCT FROM ${lit(r[c] === null ? null : typeof r[c] === 'string' ? (r[c] as string) : JSON.stringify(r[c]), colsB.find((x) => x.name === c)?.type ?? colsA.find((x) => x.name === c)!.type)}`,
      )
      .join(' AND ');
  for (const d of kept) {
    if (key) {
      await engine.run(`DELETE FROM oracle_expected WHERE ${match(d.key!, key)}`);
      if (d.op !== 'removed')
        await engine.run(`INSERT INTO oracle_expected (${names}) SELECT ${names} FROM oracle_a WHERE ${match(d.key!, key)}`);
    } else if (d.op === 'removed') {
      const cols = Object.keys(d.before!).filter((c) => colsB.some((b) => b.name === c));
      await engine.run(
        `DELETE FROM oracle_expected WHERE rowid = (SELECT rowid FROM oracle_expected WHERE ${match(d.before!, cols) || 'true'} LIMIT 1)`,
      );
    } else {
      const cols = Object.keys(d.after!);
      await engine.run(
        `INSERT INTO oracle_expected (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map((c) => lit(d.after![c] === null ? null : String(d.after![c]), colsB.find((x) => x.name === c)!.type)).join(', ')})`,
      );
    }
  }
  return engine.all(`SELECT ${names} FROM oracle_expected ORDER BY ALL`);
}

describe('diff oracle', () => {
  it('diff: every format, with and without --where/--columns, equals the full-join diff of the whole snapshots; the SQL patch turns A into B (property)', async () => {
    await using fx = await chunkFixture();
    const engine = fx.engine;
    const saved = rangeTuning.rows;
    const savedFileRows = jsonTuning.fileRows;
    rangeTuning.rows = 8;
    let cases = 0;
    const plans = new Set<string>();
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          cases++;
          const { key, colsA, colsB, a, b } = build(s);
          const columns = s.columns;
          // A filter naming a column neither side has is bad input, not a diff.
          const where = s.where?.includes('rowid') && s.schema === 'same' ? undefined : s.where;
          const ma = await fx.fresh(colsA, key, a);
          const mb = s.fresh || key === null ? await fx.fresh(colsB, key, b) : await fx.stage(ma, colsB, b);
          // Note the swap: the oracle's tables are named for the side they hold.
          await table(engine, 'oracle_b', colsA, a);
          await table(engine, 'oracle_a', colsB, b);
          const want = await oracle(engine, colsA, colsB, key, where, columns);
          const opts = { ...(where ? { where } : {}), ...(columns ? { columns } : {}) };
          const td = await fx.compare(fx.side(ma), fx.side(mb), opts);
          plans.add((await td.plan()).kind);
          const rows: DiffRow[] = [];
          for await (const batch of td.rows()) rows.push(...batch);
          expect(canonical(rows)).toEqual(canonical(want.rows));
          const stats = await td.stats();
          const count = (op: string) => want.rows.filter((r) => r.op === op).length;
          expect(stats).toEqual({ added: count('added'), removed: count('removed'), modified: count('modified') });
          // json, streamed, and written by DuckDB to a file per key range (a large diff's path): the same bytes
          const streamed = await rendered(td, (ss, o) => renderJson(ss, o, 'rows'));
          const json = JSON.parse(streamed);
          expect(canonical(json.tables[0]?.rows ?? [])).toEqual(canonical(want.rows));
          jsonTuning.fileRows = 0;
          try {
            expect(await rendered(td, (ss, o) => renderJson(ss, o, 'rows'))).toBe(streamed);
          } finally {
            jsonTuning.fileRows = savedFileRows;
          }
          // csv
          expect(await csvLines(engine, fx.dir, await rendered(td, (ss, o) => renderCsv(ss, o)))).toEqual(want.csv);
          // text: one line per changed row; stat: the counts
          const textLines = (await rendered(td, (ss, o) => renderTable(ss, o))).split('\n').filter((l) => /^[~+-] /.test(l));
          expect(textLines.length).toBe(want.rows.length);
          if (want.rows.length)
            expect(await rendered(td, (ss, o) => renderStat(ss, o))).toContain(
              `+${count('added')} ~${count('modified')} -${count('removed')}`,
            );
          // sql: applied to A gives B (filtered: A with the kept changes); --columns patches only some cells
          if (!columns) {
            const patch = await rendered(td, (ss, o) => renderSql(ss, o));
            await table(engine, 't', colsA, a);
            await engine.run(patch);
            const got = await engine.all(`SELECT ${colsB.map((c) => quoteIdent(c.name)).join(', ')} FROM t ORDER BY ALL`);
            expect(got).toEqual(await expectedAfterPatch(engine, key, colsA, colsB, want.rows, !!where));
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    } finally {
      rangeTuning.rows = saved;
    }
    console.log(`diff oracle property: ${cases} cases (seed ${SEED}), plans: ${[...plans].sort().join(', ')}`);
    expect(cases).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});
