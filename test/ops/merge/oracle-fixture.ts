import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Json } from '@duckdb/node-api';
import fc from 'fast-check';
import { Engine } from '../../../src/engine/db.js';
import { Repo } from '../../../src/repo.js';
import { commitMade } from '../../helpers.js';

/*
 * The merge oracle: random small tables (keyed, composite-keyed, keyless) with awkward column
 * names and values (NULLs, unicode, BIGINT beyond 2^53, DECIMAL, TIMESTAMP), random edits, and the
 * three-way merge computed from whole snapshots in plain DuckDB SQL, written apart from
 * src/ops/merge: per key, a side that alone changed the row wins; rows both changed differently
 * merge cell by cell (a cell both changed differently is a conflict); a row deleted on one side and
 * changed on the other is a row conflict. Keyless rows follow the multiset rule.
 */

type Kind = 'keyed' | 'composite' | 'keyless';
interface Col {
  name: string;
  type: string;
  values: string[]; // SQL literals
}
export interface Schema {
  kind: Kind;
  key: string[];
  cols: Col[]; // key columns first
}
/** A row: one index into each column's values. */
export type Row = number[];
export interface Edit {
  op: number;
  target: number;
  col: number;
  val: number;
  row: Row;
}

const NAMES = ['__same', '__bp', 'w', 'select', 'filename', '__copy', '__n_o', 'o', 't', 'b', '__pick', 'v', 'Order', 'ü'];
const VALUE_TYPES: Omit<Col, 'name'>[] = [
  { type: 'BIGINT', values: ['NULL', '0', '9007199254740993', '-9223372036854775808', '42'] },
  { type: 'VARCHAR', values: ['NULL', "''", "'x'", "'ü日本'", "'NULL'", `'a,b"c'`] },
  { type: 'DECIMAL(20,4)', values: ['NULL', '1.5', '12345678901234.5678', '-0.0001'] },
  { type: 'TIMESTAMP', values: ['NULL', "'2024-01-01 00:00:00'", "'1999-12-31 23:59:59.123456'"] },
];
const KEY_TYPES: Omit<Col, 'name'>[] = [
  { type: 'INTEGER', values: ['1', '2', '3', '4', '5'] },
  { type: 'VARCHAR', values: ["'a'", "'é'", "'Z'"] },
  { type: 'BIGINT', values: ['9007199254740993', '9007199254740992', '-1'] },
];

export const schemaArb: fc.Arbitrary<Schema> = fc
  .record({
    kind: fc.constantFrom<Kind>('keyed', 'composite', 'keyless'),
    names: fc.shuffledSubarray(NAMES, { minLength: 4, maxLength: 4 }),
    keyTypes: fc.tuple(fc.nat(KEY_TYPES.length - 1), fc.nat(KEY_TYPES.length - 1)),
    valueTypes: fc.array(fc.nat(VALUE_TYPES.length - 1), { minLength: 1, maxLength: 3 }),
  })
  .map(({ kind, names, keyTypes, valueTypes }) => {
    const nKey = kind === 'keyed' ? 1 : kind === 'composite' ? 2 : 0;
    const keyCols = keyTypes.slice(0, nKey).map((t, i) => ({ name: names[i], ...KEY_TYPES[t] }));
    const valueCols = valueTypes.map((t, i) => ({ name: names[nKey + i] ?? `c${i}`, ...VALUE_TYPES[t] }));
    return { kind, key: keyCols.map((c) => c.name), cols: [...keyCols, ...valueCols] };
  });

const rowArb = fc.array(fc.nat(9), { minLength: 5, maxLength: 5 });
export const rowsArb = fc.array(rowArb, { minLength: 0, maxLength: 7 });
export const editsArb = fc.array(fc.record({ op: fc.nat(3), target: fc.nat(9), col: fc.nat(4), val: fc.nat(9), row: rowArb }), {
  minLength: 1,
  maxLength: 5,
});

const norm = (s: Schema, r: Row): Row => s.cols.map((c, i) => r[i] % c.values.length);
const keyOf = (s: Schema, r: Row) => JSON.stringify(r.slice(0, s.key.length));

/** The base rows: keyed tables keep the first row of each key. */
export function baseRows(s: Schema, rows: Row[]): Row[] {
  const out = rows.map((r) => norm(s, r));
  if (s.kind === 'keyless') return out;
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(keyOf(s, r)) && seen.add(keyOf(s, r)));
}

/** Edits: 0 sets a cell, 1 deletes a row, 2 inserts (or, keyed, upserts) a row, 3 copies a row (keyless) or rewrites it. */
export function applyEdits(s: Schema, rows: Row[], edits: Edit[]): Row[] {
  let out = rows.map((r) => [...r]);
  const nKey = s.key.length;
  for (const e of edits) {
    const at = out.length ? e.target % out.length : -1;
    const valueCol = nKey + (e.col % (s.cols.length - nKey));
    if (e.op === 0 && at >= 0) out[at][valueCol] = e.val % s.cols[valueCol].values.length;
    else if (e.op === 1 && at >= 0) out.splice(at, 1);
    else if (e.op === 2 || (e.op === 3 && at < 0)) {
      const r = norm(s, e.row);
      out = s.kind === 'keyless' ? [...out, r] : [...out.filter((x) => keyOf(s, x) !== keyOf(s, r)), r];
    } else if (e.op === 3) {
      if (s.kind === 'keyless') out.push([...out[at]]);
      else out[at] = [...out[at].slice(0, nKey), ...norm(s, e.row).slice(nKey)];
    }
  }
  return out;
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The rows as a SQL relation with the schema's names and types. */
export function relation(s: Schema, rows: Row[]): string {
  const cast = (r: Row) => s.cols.map((c, i) => `CAST(${c.values[r[i]]} AS ${c.type}) AS ${q(c.name)}`).join(', ');
  if (rows.length === 0) return `SELECT ${cast(s.cols.map(() => 0))} WHERE false`;
  return rows.map((r) => `SELECT ${cast(r)}`).join(' UNION ALL ');
}

let seq = 0;
/** A temp table of the engine holding a relation; the oracle's inputs and outputs. */
export async function snapshot(engine: Engine, sql: string): Promise<string> {
  const name = `oracle_snap_${process.pid}_${++seq}`;
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${q(name)} AS ${sql}`);
  return name;
}

interface OracleConflict {
  key: Record<string, Json>;
  column: string | null;
  base: Json;
  ours: Json;
  theirs: Json;
}
export interface OracleMerge {
  /** The merged table with conflicts settled to ours, and to theirs. */
  ours: string;
  theirs: string;
  conflicts: OracleConflict[];
}

const same = (a: string, b: string) => `${a} IS NOT DISTINCT FROM ${b}`;

/** The three-way merge of three whole snapshots (temp table names), in plain SQL. */
export async function oracleMerge(engine: Engine, s: Schema, base: string, ours: string, theirs: string): Promise<OracleMerge> {
  if (s.kind === 'keyless') return keylessOracle(engine, s, base, ours, theirs);
  const K = s.key.map(q);
  const V = s.cols.slice(s.key.length);
  const side = (x: string, i: number) => `"${x}_${i}"`;
  const joined = await snapshot(
    engine,
    `SELECT ${K.map((k) => `k.${k}`).join(', ')},
      b.${K[0]} IS NOT NULL AS "bp", o.${K[0]} IS NOT NULL AS "op", t.${K[0]} IS NOT NULL AS "tp"
      ${V.map((c, i) => `, b.${q(c.name)} AS ${side('b', i)}, o.${q(c.name)} AS ${side('o', i)}, t.${q(c.name)} AS ${side('t', i)}`).join('')}
    FROM (SELECT ${K.join(', ')} FROM ${q(base)} UNION SELECT ${K.join(', ')} FROM ${q(ours)} UNION SELECT ${K.join(', ')} FROM ${q(theirs)}) k
    LEFT JOIN ${q(base)} b ON ${K.map((k) => `b.${k} = k.${k}`).join(' AND ')}
    LEFT JOIN ${q(ours)} o ON ${K.map((k) => `o.${k} = k.${k}`).join(' AND ')}
    LEFT JOIN ${q(theirs)} t ON ${K.map((k) => `t.${k} = k.${k}`).join(' AND ')}`,
  );
  const eq = (x: string, y: string) =>
    `("${x}p" = "${y}p" AND (NOT "${x}p" OR (${V.map((_, i) => same(side(x, i), side(y, i))).join(' AND ') || 'true'})))`;
  const cellClean = (i: number) =>
    `(${same(side('o', i), side('t', i))} OR ("bp" AND ${same(side('o', i), side('b', i))}) OR ("bp" AND ${same(side('t', i), side('b', i))}))`;
  const cellValue = (i: number, settle: string) =>
    `CASE WHEN ${same(side('o', i), side('t', i))} THEN ${side('o', i)}
      WHEN "bp" AND ${same(side('o', i), side('b', i))} THEN ${side('t', i)}
      WHEN "bp" AND ${same(side('t', i), side('b', i))} THEN ${side('o', i)}
      ELSE ${side(settle, i)} END`;
  const decided = await snapshot(
    engine,
    `SELECT *, CASE WHEN ${eq('o', 'b')} THEN 'theirs' WHEN ${eq('t', 'b')} OR ${eq('o', 't')} THEN 'ours'
      WHEN NOT "op" OR NOT "tp" THEN 'row' ELSE 'cells' END AS "kind" FROM ${q(joined)}`,
  );
  const result = async (settle: 'o' | 't') =>
    snapshot(
      engine,
      `SELECT ${K.join(', ')} ${V.map(
        (c, i) => `, CASE "kind" WHEN 'theirs' THEN ${side('t', i)} WHEN 'ours' THEN ${side('o', i)}
          WHEN 'row' THEN ${side(settle, i)} ELSE ${cellValue(i, settle)} END AS ${q(c.name)}`,
      ).join('')}
      FROM ${q(decided)}
      WHERE CASE "kind" WHEN 'theirs' THEN "tp" WHEN 'ours' THEN "op" WHEN 'row' THEN "${settle}p" ELSE true END`,
    );
  const conflicts: OracleConflict[] = [];
  const keyObj = (r: Record<string, Json>) => Object.fromEntries(s.key.map((k) => [k, r[k]]));
  const whole = (r: Record<string, Json>, x: string) =>
    r[`${x}p`] ? Object.fromEntries(s.cols.map((c) => [c.name, s.key.includes(c.name) ? r[c.name] : r[`${x}_${V.indexOf(c)}`]])) : null;
  for (const r of await engine.all(`SELECT * FROM ${q(decided)} WHERE "kind" = 'row'`)) {
    conflicts.push({ key: keyObj(r), column: null, base: whole(r, 'b'), ours: whole(r, 'o'), theirs: whole(r, 't') });
  }
  for (const [i, c] of V.entries()) {
    for (const r of await engine.all(`SELECT * FROM ${q(decided)} WHERE "kind" = 'cells' AND NOT ${cellClean(i)}`)) {
      conflicts.push({ key: keyObj(r), column: c.name, base: r.bp ? r[`b_${i}`] : null, ours: r[`o_${i}`], theirs: r[`t_${i}`] });
    }
  }
  return { ours: await result('o'), theirs: await result('t'), conflicts };
}

/** Keyless: per distinct row, count = base + (ours − base) + (theirs − base), never below zero. */
async function keylessOracle(engine: Engine, s: Schema, base: string, ours: string, theirs: string): Promise<OracleMerge> {
  const C = s.cols.map((c) => q(c.name)).join(', ');
  const counted = `SELECT ${C}, sum("nb") AS "nb", sum("no") AS "no", sum("nt") AS "nt" FROM (
      SELECT ${C}, 1 AS "nb", 0 AS "no", 0 AS "nt" FROM ${q(base)}
      UNION ALL SELECT ${C}, 0, 1, 0 FROM ${q(ours)}
      UNION ALL SELECT ${C}, 0, 0, 1 FROM ${q(theirs)}) GROUP BY ${C}`;
  const merged = await snapshot(
    engine,
    `SELECT ${C} FROM (${counted}) c, generate_series(1, greatest(0, "nb" + ("no" - "nb") + ("nt" - "nb"))::BIGINT) g(i)`,
  );
  return { ours: merged, theirs: merged, conflicts: [] };
}

/** Rows in one relation and not the other (multiset difference both ways), as text for a failure message. */
export async function tableDiff(engine: Engine, expected: string, actualSql: string): Promise<string[]> {
  const rows = await engine.all(
    `WITH e AS (SELECT * FROM ${q(expected)}), a AS (${actualSql})
    SELECT 'missing' AS side, to_json(x)::VARCHAR AS row FROM (SELECT * FROM e EXCEPT ALL SELECT * FROM a) x
    UNION ALL SELECT 'extra', to_json(y)::VARCHAR FROM (SELECT * FROM a EXCEPT ALL SELECT * FROM e) y`,
  );
  const types = async (sql: string) => (await engine.all(`DESCRIBE ${sql}`)).map((r) => `${r.column_name} ${r.column_type}`).join(', ');
  const [te, ta] = [await types(`SELECT * FROM ${q(expected)}`), await types(actualSql)];
  return [...(te === ta ? [] : [`columns: expected ${te}, got ${ta}`]), ...rows.map((r) => `${r.side} ${r.row}`)];
}

const text = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x));
/** Conflicts as sorted text, so the two lists compare whatever order they come in. */
export const conflictSet = (list: readonly { key: unknown; column: string | null; base: unknown; ours: unknown; theirs: unknown }[]) =>
  list.map((c) => text({ key: c.key, column: c.column, base: c.base, ours: c.ours, theirs: c.theirs })).sort();

/** A repository in a temp dir whose table `t` is the Parquet file t.parquet. */
export interface Sandbox {
  dir: string;
  repo: Repo;
  engine: Engine;
  file: string;
  /** Write the rows to t.parquet and commit them (an empty commit when unchanged). */
  commit(rows: Row[], message: string): Promise<string>;
  /** The working file as SQL. */
  working(): string;
  /** HEAD's snapshot of the table, as lakegit's `sql` reads it, as SQL. */
  committed(): Promise<string>;
}

export async function withSandbox<T>(s: Schema, base: Row[], body: (x: Sandbox) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-oracle-'));
  const file = path.join(dir, 't.parquet');
  try {
    const engine = await Engine.get();
    const write = async (rows: Row[]) => {
      const tmp = `${file}.tmp.parquet`;
      await engine.run(`COPY (${relation(s, rows)}) TO '${tmp.replaceAll("'", "''")}' (FORMAT parquet)`);
      await fsp.rename(tmp, file);
    };
    const repo = await Repo.init(dir);
    await write(base);
    await repo.add({ paths: ['t.parquet'], cwd: dir, key: s.kind === 'keyless' ? undefined : s.key, keyless: s.kind === 'keyless' });
    await repo.commit({ message: 'base' });
    const box: Sandbox = {
      dir,
      repo,
      engine,
      file,
      commit: async (rows, message) => {
        await write(rows);
        return commitMade(await repo.commit({ message, all: true, allowEmpty: true })).oid;
      },
      working: () => `SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`,
      committed: async () => {
        const out = path.join(dir, `head-${++seq}.parquet`);
        await repo.sql('SELECT * FROM t@HEAD', { output: out });
        return `SELECT * FROM read_parquet('${out.replaceAll("'", "''")}')`;
      },
    };
    return await body(box);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
