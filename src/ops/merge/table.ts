import type { Json } from '@duckdb/node-api';
import { quoteIdent } from '../../engine/quote.js';
import { changesSql } from '../../table/changes.js';
import type { Manifest } from '../../table/manifest.js';
import { col, cols, joinOn, names } from '../../table/rowsql.js';
import type { Column } from '../../table/schema.js';
import { OP, TableSnapshot } from '../../table/snapshot.js';
import { cellPickSql, rowPickSql, settle, type Strategy } from './policy.js';
import { mergeSchemas, type ColumnConflict, type GuardedColumn } from './schema.js';
import { projectSql, rowsForKeys, sideChanges, type Scratch } from './scratch.js';

export type Row = Record<string, Json>;
/** A conflicting cell (`column` set) or row (`column` null: delete vs modify, whole rows as values). */
export interface RowConflict {
  key: Row;
  column: string | null;
  base: Json;
  ours: Json;
  theirs: Json;
}

export interface TableInputs {
  base?: Manifest;
  ours: Manifest;
  theirs: Manifest;
}

/**
 * What merging one table's rows decided, as work tables in the scratch: `changes` holds the rows
 * that differ from ours (merged columns plus the op column), or `full` all merged rows for keyless
 * tables; `conflictKeys` the keys still in conflict. Conflicting cells hold the settled side.
 */
export interface TablePlan {
  columns: Column[];
  key: string[] | null;
  changes?: string;
  full?: string;
  conflictKeys?: string;
  conflicts: RowConflict[];
  schemaConflicts: ColumnConflict[];
}

/** Three-way merge of one table whose three versions share a key (or are all keyless). */
export async function planTable(s: Scratch, t: TableInputs, strategy: Strategy): Promise<TablePlan> {
  const forced = new Set<string>();
  const first = mergeSchemas(t.base?.columns, t.ours.columns, t.theirs.columns, strategy);
  if (t.base && t.ours.key) {
    for (const g of first.guarded) if (await guardBroken(s, t, g)) forced.add(g.column);
  }
  const schema = forced.size ? mergeSchemas(t.base?.columns, t.ours.columns, t.theirs.columns, strategy, forced) : first;
  const plan = { columns: schema.columns, key: t.ours.key, conflicts: [], schemaConflicts: schema.conflicts };
  if (!t.ours.key) return { ...plan, full: await multisetMerge(s, t, schema.columns) };
  return { ...plan, ...(await keyedMerge(s, t, schema.columns, strategy)) };
}

/** Did the side that kept column g change values the other side's drop or re-type would lose? */
async function guardBroken(s: Scratch, t: TableInputs, g: GuardedColumn): Promise<boolean> {
  const keeper = g.keeper === 'ours' ? t.ours : t.theirs;
  const base = t.base!;
  const identity = keeper.key!;
  const pick = [...identity, g.column];
  const sel = (m: Manifest) => `SELECT ${cols(pick)} FROM (${new TableSnapshot(m, s.store).sql()})`;
  const c = col(g.column);
  const op = quoteIdent(OP);
  const lost =
    g.newType === null
      ? `${op} = 'modified' OR (${op} = 'added' AND ${c} IS NOT NULL)`
      : `${op} <> 'removed' AND ${c} IS NOT NULL
       AND (TRY_CAST(${c} AS ${g.newType}) IS NULL OR CAST(TRY_CAST(${c} AS ${g.newType}) AS ${g.baseType}) IS DISTINCT FROM ${c})`;
  const n = await s.engine.value<number>(`SELECT count(*) FROM (${changesSql(sel(keeper), sel(base), pick, identity)}) WHERE ${lost}`);
  return Number(n) > 0;
}

/** Keyless: each distinct row's count is ours + theirs - base (never below zero). */
async function multisetMerge(s: Scratch, t: TableInputs, merged: Column[]): Promise<string> {
  const side = (m: Manifest | undefined, w: [number, number, number]) =>
    m
      ? `SELECT *, ${w[0]} AS __n_o, ${w[1]} AS __n_t, ${w[2]} AS __n_b FROM (${projectSql(new TableSnapshot(m, s.store).sql(), m.columns, merged)})`
      : undefined;
  const parts = [side(t.ours, [1, 0, 0]), side(t.theirs, [0, 1, 0]), side(t.base, [0, 0, 1])].filter(Boolean);
  const c = cols(names(merged));
  return s.table(
    'full',
    `SELECT ${c} FROM (
      SELECT ${c}, sum(__n_o) AS __no, sum(__n_t) AS __nt, sum(__n_b) AS __nb FROM (${parts.join(' UNION ALL ')}) GROUP BY ALL
    ), LATERAL range(greatest(0, __no + __nt - __nb)::BIGINT) AS __lg_copies(__copy)`,
  );
}

const v = (side: 'o' | 't' | 'b' | 'm', i: number) => quoteIdent(`__${side}_${i}`);

interface Keyed {
  changes: string;
  conflictKeys: string;
  conflicts: RowConflict[];
}

/** Keyed: only keys some side changed are looked at; only keys both changed need base rows. */
async function keyedMerge(s: Scratch, t: TableInputs, merged: Column[], strategy: Strategy): Promise<Keyed> {
  const identity = t.ours.key!;
  const o = await sideChanges(s, t.base, t.ours, merged);
  const th = await sideChanges(s, t.base, t.theirs, merged);
  const both = await s.table(
    'both',
    `SELECT ${cols(identity)} FROM ${quoteIdent(o)} o SEMI JOIN ${quoteIdent(th)} t ON ${joinOn(identity, 'o', 't')}`,
  );
  const baseRows = t.base
    ? `SELECT *, true AS __bp FROM (${projectSql(await rowsForKeys(s, t.base, both), t.base.columns, merged)})`
    : `SELECT *, true AS __bp FROM (${projectSql(`SELECT * FROM ${quoteIdent(o)} WHERE false`, merged, merged)})`;
  const decided = await s.table('decided', decideSql(merged, identity, o, th, baseRows));
  const others = merged.map((c, i) => ({ c, i })).filter(({ c }) => !identity.includes(c.name));
  const side = settle(strategy) === 'theirs' ? 't' : 'o';
  const value = (i: number) => `CASE __pick WHEN 'theirs' THEN ${v('t', i)} WHEN 'conflict' THEN ${v(side, i)}
      WHEN 'cells' THEN CASE ${quoteIdent(`__cp_${i}`)} WHEN 'theirs' THEN ${v('t', i)} WHEN 'conflict' THEN ${v(side, i)} ELSE ${v('o', i)} END
      ELSE ${v('o', i)} END`;
  const present = `CASE __pick WHEN 'theirs' THEN __tp WHEN 'conflict' THEN __${side}p WHEN 'cells' THEN true ELSE __op END`;
  const picked = [`${present} AS __present`, '__op', ...others.map(({ i }) => `${value(i)} AS ${v('m', i)}, ${v('o', i)}`)];
  const resolved = await s.table('resolved', `SELECT ${cols(identity)}, ${picked.join(', ')} FROM ${quoteIdent(decided)}`);
  const moved = others.length ? others.map(({ i }) => `${v('m', i)} IS DISTINCT FROM ${v('o', i)}`).join(' OR ') : 'false';
  const op = `CASE WHEN __present AND NOT __op THEN 'added' WHEN NOT __present AND __op THEN 'removed' WHEN __present AND (${moved}) THEN 'modified' END`;
  const out = merged.map((c, i) =>
    identity.includes(c.name) ? quoteIdent(c.name) : `CASE WHEN __present THEN ${v('m', i)} END AS ${quoteIdent(c.name)}`,
  );
  const fromBoth = `SELECT * FROM (SELECT ${out.join(', ')}, ${op} AS ${quoteIdent(OP)} FROM ${quoteIdent(resolved)}) WHERE ${quoteIdent(OP)} IS NOT NULL`;
  const oneSided = `SELECT t.* FROM ${quoteIdent(th)} t ANTI JOIN ${quoteIdent(o)} o ON ${joinOn(identity, 't', 'o')}`;
  const changes = await s.table('changes', `${oneSided} UNION ALL BY NAME ${fromBoth}`);
  const anyCell = others.length ? others.map(({ i }) => `${quoteIdent(`__cp_${i}`)} = 'conflict'`).join(' OR ') : 'false';
  const conflictKeys = await s.table(
    'ckeys',
    `SELECT ${cols(identity)} FROM ${quoteIdent(decided)}
    WHERE __pick = 'conflict' OR (__pick = 'cells' AND (${anyCell}))`,
  );
  return { changes, conflictKeys, conflicts: await readConflicts(s, decided, merged, identity) };
}

/** Join the two change sets on key with the base rows, then decide rows and cells by the policy. */
function decideSql(merged: Column[], identity: string[], o: string, t: string, baseRows: string): string {
  const others = merged.map((c, i) => ({ c, i })).filter(({ c }) => !identity.includes(c.name));
  const pick = (a: string, i: number) => `${a}.${quoteIdent(merged[i].name)} AS ${v(a as 'o', i)}`;
  const all = merged.map((_, i) => i);
  const differ = (x: 'o' | 't' | 'b', y: 'o' | 't' | 'b') =>
    others.length ? `(${others.map(({ i }) => `${v(x, i)} IS DISTINCT FROM ${v(y, i)}`).join(' OR ')})` : 'false';
  const joined = `SELECT ${cols(identity, 'o')}, ${all.map((i) => `${pick('o', i)}, ${pick('t', i)}, ${pick('b', i)}`).join(', ')},
      o.${quoteIdent(OP)} <> 'removed' AS __op, t.${quoteIdent(OP)} <> 'removed' AS __tp, coalesce(b.__bp, false) AS __bp
    FROM ${quoteIdent(o)} o JOIN ${quoteIdent(t)} t ON ${joinOn(identity, 'o', 't')}
    LEFT JOIN (${baseRows}) b ON ${joinOn(identity, 'o', 'b')}`;
  const flags = `SELECT *,
      (__bp <> __op) OR (__bp AND __op AND ${differ('o', 'b')}) AS __oc,
      (__bp <> __tp) OR (__bp AND __tp AND ${differ('t', 'b')}) AS __tc,
      (__op = __tp) AND (NOT __op OR NOT ${differ('o', 't')}) AS __same
    FROM (${joined})`;
  const cells = others.map(
    ({ i }) =>
      `${cellPickSql(
        `NOT __bp OR ${v('o', i)} IS DISTINCT FROM ${v('b', i)}`,
        `NOT __bp OR ${v('t', i)} IS DISTINCT FROM ${v('b', i)}`,
        `${v('o', i)} IS NOT DISTINCT FROM ${v('t', i)}`,
      )} AS ${quoteIdent(`__cp_${i}`)}`,
  );
  const row = rowPickSql({ oursChanged: '__oc', theirsChanged: '__tc', sameChange: '__same', oursPresent: '__op', theirsPresent: '__tp' });
  return `SELECT *, ${row} AS __pick${cells.length ? `, ${cells.join(', ')}` : ''} FROM (${flags})`;
}

/** The conflicts as contract JSON, in key order: delete-vs-modify rows, then cells column by column. */
async function readConflicts(s: Scratch, decided: string, merged: Column[], identity: string[]): Promise<RowConflict[]> {
  const d = quoteIdent(decided);
  const order = cols(identity);
  const keyOf = (r: Row) => Object.fromEntries(identity.map((k) => [k, r[k]]));
  const out: RowConflict[] = [];
  const rows = await s.engine.all(`SELECT * FROM ${d} WHERE __pick = 'conflict' ORDER BY ${order}`);
  const whole = (r: Row, side: 'o' | 't' | 'b', present: Json) =>
    present ? Object.fromEntries(merged.map((c, i) => [c.name, r[`__${side}_${i}`]])) : null;
  for (const r of rows)
    out.push({ key: keyOf(r), column: null, base: whole(r, 'b', r.__bp), ours: whole(r, 'o', r.__op), theirs: whole(r, 't', r.__tp) });
  for (const [i, c] of merged.entries()) {
    if (identity.includes(c.name)) continue;
    const cells = await s.engine.all(`SELECT ${order}, __bp, ${v('b', i)} AS b, ${v('o', i)} AS o, ${v('t', i)} AS t FROM ${d}
      WHERE __pick = 'cells' AND ${quoteIdent(`__cp_${i}`)} = 'conflict' ORDER BY ${order}`);
    for (const r of cells) out.push({ key: keyOf(r), column: c.name, base: r.__bp ? r.b : null, ours: r.o, theirs: r.t });
  }
  return out;
}
