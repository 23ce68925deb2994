import type { Json } from '@duckdb/node-api';
import { quoteIdent } from '../../engine/quote.js';
import { changesSql } from '../../table/changes.js';
import type { Manifest } from '../../table/manifest.js';
import { col, cols, joinOn, names } from '../../table/rowsql.js';
import type { Column } from '../../table/schema.js';
import { OP, TableSnapshot } from '../../table/snapshot.js';
import { cellPickSql, mergeCountSql, rowPickSql, settle, type Strategy } from './policy.js';
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

/** Keyless: each distinct row's count is the multiset rule's (`mergeCount`), as SQL generated from it. */
async function multisetMerge(s: Scratch, t: TableInputs, merged: Column[]): Promise<string> {
  const weights = [N.nOurs, N.nTheirs, N.nBase];
  const side = (m: Manifest | undefined, w: [number, number, number]) =>
    m
      ? `SELECT *, ${w.map((x, i) => `${x} AS ${weights[i]}`).join(', ')} FROM (${projectSql(new TableSnapshot(m, s.store).sql(), m.columns, merged)})`
      : undefined;
  const parts = [side(t.ours, [1, 0, 0]), side(t.theirs, [0, 1, 0]), side(t.base, [0, 0, 1])].filter(Boolean);
  const c = cols(names(merged));
  const sums = weights.map((w) => `sum(${w})::BIGINT AS ${w}`).join(', ');
  return s.table(
    'full',
    `SELECT ${c} FROM (
      SELECT ${c}, ${sums} FROM (${parts.join(' UNION ALL ')}) GROUP BY ${c}
    ), LATERAL range(${mergeCountSql(N.nBase, N.nOurs, N.nTheirs)}) AS ${N.copies}(${N.copy})`,
  );
}

/** Internal column names: all in the reserved namespace, so any user column name is safe beside them. */
const N = {
  nOurs: '__lakegit_n_ours',
  nTheirs: '__lakegit_n_theirs',
  nBase: '__lakegit_n_base',
  copies: '__lakegit_copies',
  copy: '__lakegit_copy',
  basePresent: '__lakegit_base_present',
  oursPresent: '__lakegit_ours_present',
  theirsPresent: '__lakegit_theirs_present',
  oursChanged: '__lakegit_ours_changed',
  theirsChanged: '__lakegit_theirs_changed',
  same: '__lakegit_same',
  pick: '__lakegit_pick',
  present: '__lakegit_present',
  b: '__lakegit_b',
  o: '__lakegit_o',
  t: '__lakegit_t',
} as const;
const cell = (i: number) => quoteIdent(`__lakegit_cell_${i}`);
const vName = (side: 'o' | 't' | 'b' | 'm', i: number) => `__lakegit_${side}_${i}`;
const v = (side: 'o' | 't' | 'b' | 'm', i: number) => quoteIdent(vName(side, i));

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
    ? `SELECT *, true AS ${N.basePresent} FROM (${projectSql(await rowsForKeys(s, t.base, both), t.base.columns, merged)})`
    : `SELECT *, true AS ${N.basePresent} FROM (${projectSql(`SELECT * FROM ${quoteIdent(o)} WHERE false`, merged, merged)})`;
  const decided = await s.table('decided', decideSql(merged, identity, o, th, baseRows));
  const others = merged.map((c, i) => ({ c, i })).filter(({ c }) => !identity.includes(c.name));
  const side = settle(strategy) === 'theirs' ? 't' : 'o';
  const value = (i: number) => `CASE ${N.pick} WHEN 'theirs' THEN ${v('t', i)} WHEN 'conflict' THEN ${v(side, i)}
      WHEN 'cells' THEN CASE ${cell(i)} WHEN 'theirs' THEN ${v('t', i)} WHEN 'conflict' THEN ${v(side, i)} ELSE ${v('o', i)} END
      ELSE ${v('o', i)} END`;
  const sidePresent = side === 't' ? N.theirsPresent : N.oursPresent;
  const present = `CASE ${N.pick} WHEN 'theirs' THEN ${N.theirsPresent} WHEN 'conflict' THEN ${sidePresent} WHEN 'cells' THEN true ELSE ${N.oursPresent} END`;
  const picked = [`${present} AS ${N.present}`, N.oursPresent, ...others.map(({ i }) => `${value(i)} AS ${v('m', i)}, ${v('o', i)}`)];
  const resolved = await s.table('resolved', `SELECT ${cols(identity)}, ${picked.join(', ')} FROM ${quoteIdent(decided)}`);
  const moved = others.length ? others.map(({ i }) => `${v('m', i)} IS DISTINCT FROM ${v('o', i)}`).join(' OR ') : 'false';
  const [p, op0] = [N.present, N.oursPresent];
  const op = `CASE WHEN ${p} AND NOT ${op0} THEN 'added' WHEN NOT ${p} AND ${op0} THEN 'removed' WHEN ${p} AND (${moved}) THEN 'modified' END`;
  const out = merged.map((c, i) =>
    identity.includes(c.name) ? quoteIdent(c.name) : `CASE WHEN ${N.present} THEN ${v('m', i)} END AS ${quoteIdent(c.name)}`,
  );
  const fromBoth = `SELECT * FROM (SELECT ${out.join(', ')}, ${op} AS ${quoteIdent(OP)} FROM ${quoteIdent(resolved)}) WHERE ${quoteIdent(OP)} IS NOT NULL`;
  const oneSided = `SELECT t.* FROM ${quoteIdent(th)} t ANTI JOIN ${quoteIdent(o)} o ON ${joinOn(identity, 't', 'o')}`;
  const changes = await s.table('changes', `${oneSided} UNION ALL BY NAME ${fromBoth}`);
  const anyCell = others.length ? others.map(({ i }) => `${cell(i)} = 'conflict'`).join(' OR ') : 'false';
  const conflictKeys = await s.table(
    'ckeys',
    `SELECT ${cols(identity)} FROM ${quoteIdent(decided)}
    WHERE ${N.pick} = 'conflict' OR (${N.pick} = 'cells' AND (${anyCell}))`,
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
      o.${quoteIdent(OP)} <> 'removed' AS ${N.oursPresent}, t.${quoteIdent(OP)} <> 'removed' AS ${N.theirsPresent},
      coalesce(b.${N.basePresent}, false) AS ${N.basePresent}
    FROM ${quoteIdent(o)} o JOIN ${quoteIdent(t)} t ON ${joinOn(identity, 'o', 't')}
    LEFT JOIN (${baseRows}) b ON ${joinOn(identity, 'o', 'b')}`;
  const [bp, op, tp] = [N.basePresent, N.oursPresent, N.theirsPresent];
  const flags = `SELECT *,
      (${bp} <> ${op}) OR (${bp} AND ${op} AND ${differ('o', 'b')}) AS ${N.oursChanged},
      (${bp} <> ${tp}) OR (${bp} AND ${tp} AND ${differ('t', 'b')}) AS ${N.theirsChanged},
      (${op} = ${tp}) AND (NOT ${op} OR NOT ${differ('o', 't')}) AS ${N.same}
    FROM (${joined})`;
  const cells = others.map(
    ({ i }) =>
      `${cellPickSql(
        `NOT ${bp} OR ${v('o', i)} IS DISTINCT FROM ${v('b', i)}`,
        `NOT ${bp} OR ${v('t', i)} IS DISTINCT FROM ${v('b', i)}`,
        `${v('o', i)} IS NOT DISTINCT FROM ${v('t', i)}`,
      )} AS ${cell(i)}`,
  );
  const row = rowPickSql({
    oursChanged: N.oursChanged,
    theirsChanged: N.theirsChanged,
    sameChange: N.same,
    oursPresent: op,
    theirsPresent: tp,
  });
  return `SELECT *, ${row} AS ${N.pick}${cells.length ? `, ${cells.join(', ')}` : ''} FROM (${flags})`;
}

/** The conflicts as contract JSON, in key order: delete-vs-modify rows, then cells column by column. */
async function readConflicts(s: Scratch, decided: string, merged: Column[], identity: string[]): Promise<RowConflict[]> {
  const d = quoteIdent(decided);
  const order = cols(identity);
  const keyOf = (r: Row) => Object.fromEntries(identity.map((k) => [k, r[k]]));
  const out: RowConflict[] = [];
  const rows = await s.engine.all(`SELECT * FROM ${d} WHERE ${N.pick} = 'conflict' ORDER BY ${order}`);
  const whole = (r: Row, side: 'o' | 't' | 'b', present: Json) =>
    present ? Object.fromEntries(merged.map((c, i) => [c.name, r[vName(side, i)]])) : null;
  for (const r of rows)
    out.push({
      key: keyOf(r),
      column: null,
      base: whole(r, 'b', r[N.basePresent]),
      ours: whole(r, 'o', r[N.oursPresent]),
      theirs: whole(r, 't', r[N.theirsPresent]),
    });
  for (const [i, c] of merged.entries()) {
    if (identity.includes(c.name)) continue;
    const cells = await s.engine
      .all(`SELECT ${order}, ${N.basePresent}, ${v('b', i)} AS ${N.b}, ${v('o', i)} AS ${N.o}, ${v('t', i)} AS ${N.t} FROM ${d}
      WHERE ${N.pick} = 'cells' AND ${cell(i)} = 'conflict' ORDER BY ${order}`);
    for (const r of cells)
      out.push({ key: keyOf(r), column: c.name, base: r[N.basePresent] ? r[N.b] : null, ours: r[N.o], theirs: r[N.t] });
  }
  return out;
}
