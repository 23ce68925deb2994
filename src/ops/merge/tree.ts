import type { Json } from '@duckdb/node-api';
import { quoteIdent } from '../../engine/quote.js';
import type { Manifest } from '../../table/manifest.js';
import { OP } from '../../table/snapshot.js';
import type { RepoContext } from '../context.js';
import { mergeKeylessWhole, mergeValue, settle, type Pick, type Strategy } from './policy.js';
import { Scratch } from './scratch.js';
import { planTable, type Row } from './table.js';
import { writePlan } from './write.js';
import { sameColumns } from './schema.js';
import type { RowCounts } from '../diff/rowdiff.js';
import { mergeScripts } from '../scripts.js';
import { readManifest, writeManifest, type TableTree } from '../tree.js';

/** The contract's conflict shape. `key` null: a schema (column set) or table-level (column null) conflict. */
export interface Conflict {
  table: string;
  key: Row | null;
  column: string | null;
  base: Json;
  ours: Json;
  theirs: Json;
}

export interface Side {
  name: string;
  blob: string;
}
/** One table followed through a rename on either side. */
export interface Paired {
  base?: Side;
  ours?: Side;
  theirs?: Side;
}

export interface TableOutcome {
  table: string;
  /** Relative to ours: what happens to the table. */
  status: 'unchanged' | 'modified' | 'added' | 'removed' | 'renamed';
  from?: string;
  blob?: string;
  counts?: { added: number; removed: number; modified: number };
  /**
   * The merged table's change against ours' manifest as the diff engine counts it, when the merge
   * wrote it as one change chunk over ours (its rows are the change): what the commit records in
   * `stats.json` without counting again.
   */
  recorded?: RowCounts;
  conflicts: number;
  sides: Paired;
}

export interface TreeMerge {
  tree: TableTree;
  tables: TableOutcome[];
  conflicts: Conflict[];
}
export interface TreeInputs {
  base: TableTree;
  ours: TableTree;
  theirs: TableTree;
}

const sameKey = (a: Manifest, b: Manifest) => JSON.stringify(a.key) === JSON.stringify(b.key);
const sameChunks = (a: Manifest, b: Manifest) =>
  a.chunks.length > 0 && sameKey(a, b) && a.chunks.length === b.chunks.length && a.chunks.every((c, i) => c.id === b.chunks[i].id);

/** Pair each base table with its version on each side; a side's new name with the same base chunks is a rename (`mv`). */
export async function pairTables(ctx: RepoContext, t: TreeInputs): Promise<Paired[]> {
  const used = { ours: new Set<string>(), theirs: new Set<string>() };
  const find = async (which: 'ours' | 'theirs', base: Side): Promise<Side | undefined> => {
    const tree = t[which];
    const same = tree.tables.get(base.name);
    if (same) {
      used[which].add(base.name);
      return { name: base.name, blob: same };
    }
    const bm = await readManifest(ctx, base.blob);
    for (const [name, blob] of [...tree.tables].sort()) {
      if (t.base.tables.has(name) || used[which].has(name)) continue;
      if (blob === base.blob || sameChunks(bm, await readManifest(ctx, blob))) {
        used[which].add(name);
        return { name, blob };
      }
    }
    return undefined;
  };
  const out: Paired[] = [];
  for (const [name, blob] of [...t.base.tables].sort()) {
    const base = { name, blob };
    out.push({ base, ours: await find('ours', base), theirs: await find('theirs', base) });
  }
  for (const [name, blob] of [...t.ours.tables].sort()) {
    if (used.ours.has(name)) continue;
    const theirs = t.theirs.tables.get(name);
    if (theirs && !used.theirs.has(name)) used.theirs.add(name);
    out.push({ ours: { name, blob }, theirs: theirs ? { name, blob: theirs } : undefined });
  }
  for (const [name, blob] of [...t.theirs.tables].sort()) if (!used.theirs.has(name)) out.push({ theirs: { name, blob } });
  return out;
}

const pickOf = <T>(b: T | undefined, o: T | undefined, t: T | undefined, eq = (x?: T, y?: T) => x === y): Pick =>
  mergeValue(!eq(o, b), !eq(t, b), eq(o, t));
const take = <T>(pick: Pick, strategy: Strategy, v: { base?: T; ours?: T; theirs?: T }): T | undefined =>
  pick === 'conflict' ? v[settle(strategy)] : pick === 'base' ? v.ours : v[pick];

/**
 * Merge two trees against their base: tables (added, removed, renamed on one side follow that
 * side), then rows for tables both sides changed, and lakegit.yaml. Chunks and manifests of merged
 * tables are written to the store; nothing else is.
 */
export async function mergeTrees(ctx: RepoContext, t: TreeInputs, strategy: Strategy): Promise<TreeMerge> {
  const tree: TableTree = { tables: new Map() };
  const tables: TableOutcome[] = [];
  const conflicts: Conflict[] = [];
  for (const p of await pairTables(ctx, t)) {
    const { outcome, found } = await mergePaired(ctx, p, strategy);
    if (outcome.blob) tree.tables.set(outcome.table, outcome.blob);
    tables.push(outcome);
    conflicts.push(...found);
  }
  const config = pickOf(t.base.config, t.ours.config, t.theirs.config);
  tree.config = take(config, strategy, { base: t.base.config, ours: t.ours.config, theirs: t.theirs.config });
  const scripts = mergeScripts(t.base.scripts, t.ours.scripts, t.theirs.scripts);
  if (scripts) tree.scripts = scripts;
  if (config === 'conflict') {
    conflicts.push({
      table: 'lakegit.yaml',
      key: null,
      column: null,
      base: t.base.config ?? null,
      ours: t.ours.config ?? null,
      theirs: t.theirs.config ?? null,
    });
  }
  return { tree, tables, conflicts };
}

const tableConflict = (table: string, p: Paired, what?: [Json, Json, Json]): Conflict => ({
  table,
  key: null,
  column: null,
  base: what?.[0] ?? p.base?.name ?? null,
  ours: what?.[1] ?? p.ours?.name ?? null,
  theirs: what?.[2] ?? p.theirs?.name ?? null,
});

const ident = (s?: Side) => s && `${s.name}\u0000${s.blob}`;

/**
 * One paired table. As a whole (name and manifest, or absence) it follows the policy like a cell:
 * a side that added, removed, renamed or changed it alone wins. When both changed it and both still
 * have it, the name and then the rows are merged; removed on one side and changed on the other is
 * a table conflict.
 */
export async function mergePaired(ctx: RepoContext, p: Paired, strategy: Strategy): Promise<{ outcome: TableOutcome; found: Conflict[] }> {
  const found: Conflict[] = [];
  // Both sides made the same change to a keyless table: that is two changes to its row counts.
  const keyless = !!p.ours && !!p.theirs && p.ours.blob === p.theirs.blob && (await readManifest(ctx, p.ours.blob)).key === null;
  const pickWhole = keyless
    ? (b?: string, o?: string, t?: string) => mergeKeylessWhole(o !== b, t !== b, o === t, o === undefined && t === undefined)
    : (b?: string, o?: string, t?: string) => pickOf(b, o, t);
  const whole = pickWhole(ident(p.base), ident(p.ours), ident(p.theirs));
  let result: Side | undefined;
  let counts: TableOutcome['counts'];
  let recorded: RowCounts | undefined;
  if (whole !== 'conflict') {
    result = whole === 'theirs' ? p.theirs : p.ours;
  } else if (!p.ours || !p.theirs) {
    found.push(tableConflict((p.ours ?? p.theirs ?? p.base)!.name, p));
    result = settle(strategy) === 'ours' ? p.ours : p.theirs;
  } else {
    const namePick = pickOf(p.base?.name, p.ours.name, p.theirs.name);
    const name = take(namePick, strategy, { base: p.base?.name, ours: p.ours.name, theirs: p.theirs.name })!;
    if (namePick === 'conflict') found.push(tableConflict(name, p));
    const content = pickWhole(p.base?.blob, p.ours.blob, p.theirs.blob);
    let blob: string;
    if (content !== 'conflict') blob = take(content, strategy, { base: p.base?.blob, ours: p.ours.blob, theirs: p.theirs.blob })!;
    else ({ blob, counts, recorded } = await mergeRows(ctx, name, p, strategy, found));
    result = { name, blob };
  }
  const status: TableOutcome['status'] = !result
    ? p.ours
      ? 'removed'
      : 'unchanged'
    : !p.ours
      ? 'added'
      : result.name !== p.ours.name
        ? 'renamed'
        : result.blob !== p.ours.blob
          ? 'modified'
          : 'unchanged';
  const table = result?.name ?? (p.ours ?? p.theirs ?? p.base)!.name;
  return {
    outcome: {
      table,
      status,
      from: status === 'renamed' ? p.ours?.name : undefined,
      blob: result?.blob,
      counts,
      ...(recorded && status === 'modified' ? { recorded } : {}),
      conflicts: found.length,
      sides: p,
    },
    found,
  };
}

/** Both sides changed the table's rows: the row merge, or a table conflict when their keys differ. */
async function mergeRows(ctx: RepoContext, table: string, p: Paired, strategy: Strategy, found: Conflict[]) {
  const [base, ours, theirs] = [
    p.base && (await readManifest(ctx, p.base.blob)),
    await readManifest(ctx, p.ours!.blob),
    await readManifest(ctx, p.theirs!.blob),
  ];
  if (!sameKey(ours, theirs) || (base && !sameKey(base, ours))) {
    const k = (m?: Manifest) => (m ? (m.key ? `key: ${m.key.join(', ')}` : 'keyless') : null);
    found.push(tableConflict(table, p, [k(base), k(ours), k(theirs)]));
    return { blob: settle(strategy) === 'ours' ? p.ours!.blob : p.theirs!.blob, counts: undefined, recorded: undefined };
  }
  const s = new Scratch(await ctx.engine(), ctx.chunks);
  try {
    const plan = await planTable(s, { base, ours, theirs }, strategy);
    for (const c of plan.schemaConflicts) found.push({ table, key: null, column: c.column, base: c.base, ours: c.ours, theirs: c.theirs });
    for (const c of plan.conflicts) found.push({ table, ...c });
    const source =
      take(
        pickOf(base?.source, ours.source, theirs.source, (x, y) => JSON.stringify(x) === JSON.stringify(y)),
        strategy,
        { base: base?.source, ours: ours.source, theirs: theirs.source },
      ) ?? ours.source;
    const counts = plan.changes ? await countOps(s, plan.changes) : undefined;
    const merged = await writePlan(s, ours, base, plan, source);
    // Written as a change chunk over ours (writePlan): the changes are exactly what `diff` counts.
    const recorded = counts && ours.key && sameColumns(ours.columns, plan.columns) ? counts : undefined;
    return { blob: await writeManifest(ctx, merged), counts, recorded };
  } finally {
    await s.drop();
  }
}

async function countOps(s: Scratch, table: string) {
  const rows = await s.engine.all(
    `SELECT ${quoteIdent(OP)} AS __lakegit_kind, count(*) AS __lakegit_n FROM ${quoteIdent(table)} GROUP BY 1`,
  );
  const n = (op: string) => Number(rows.find((r) => r.__lakegit_kind === op)?.__lakegit_n ?? 0);
  return { added: n('added'), removed: n('removed'), modified: n('modified') };
}
