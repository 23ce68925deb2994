import { quoteIdent } from '../../engine/quote.js';
import { InvalidFilter, NothingInProgress, UsageError, WouldOverwrite, badInput } from '../../errors.js';
import type { StagingIndex } from '../../store/staging.js';
import { applyDelta, changesSql } from '../../table/changes.js';
import type { Manifest } from '../../table/manifest.js';
import { cols, joinOn, names } from '../../table/rowsql.js';
import { OP } from '../../table/snapshot.js';
import { dirtyTables } from '../checkout.js';
import { indexTree } from '../tree.js';
import { CONFIG_FILE, type RepoContext } from '../context.js';
import { applyConfig, applyTree } from './apply.js';
import { withScratch } from '../../store/journal.js';
import { projectSql, rowsForKeys, Scratch } from './scratch.js';
import { backupFile, readConflictList, readState, storeWrites, writeConflictList, writeState, type MergeState } from './state.js';
import { planTable, type Row, type TablePlan } from './table.js';
import { mergePaired, type Conflict, type Paired } from './tree.js';
import { readManifest, writeManifest, type TableTree } from '../tree.js';

export interface ResolveOptions {
  table: string;
  side: 'ours' | 'theirs';
  where?: string;
}
export interface ResolveResult {
  table: string;
  resolved: number;
  remaining: number;
}

/** `conflicts [table]`: the conflicts still unresolved, as the contract's JSON objects. */
export async function listConflicts(ctx: RepoContext, table?: string): Promise<Conflict[]> {
  const list = await readConflictList(ctx);
  return table === undefined ? list : list.filter((c) => c.table === table);
}

/**
 * `resolve <table> --ours|--theirs [--where SQL]`: settle a table's conflicts to one side, all of
 * them or those whose row (as the working file shows it, or theirs where it has none) matches.
 * The table is merged again from the saved pairing with that side chosen, so the answer is the
 * one `merge --strategy` would have given.
 */
export async function resolve(ctx: RepoContext, o: ResolveOptions): Promise<ResolveResult> {
  return ctx.locked(async () => {
    const state = await readState(ctx);
    if (!state) throw new NothingInProgress("'resolve' settles the conflicts a merge left");
    const list = await readConflictList(ctx);
    const mine = list.filter((c) => c.table === o.table);
    if (mine.length === 0)
      throw badInput(`no unresolved conflicts in '${o.table}'`, { table: o.table }, "run 'lakegit conflicts' to list them");
    const index = await ctx.staging.read();
    let settled: Conflict[] = [];
    await withScratch(
      async () => {
        if (o.table === CONFIG_FILE && !state.tables[o.table]) {
          const c = mine[0];
          const blob = (o.side === 'ours' ? c.ours : c.theirs) as string | null;
          await applyConfig(ctx, index, blob ?? undefined, (f) => backupFile(ctx, state, f));
          settled = mine;
        } else {
          await refuseEdited(ctx, index, o.table);
          settled = await resolveTable(ctx, state, index, o, mine);
        }
        await ctx.staging.write(index);
        state.created = [...new Set([...state.created, ...storeWrites(ctx)])];
        await writeState(ctx, state);
      },
      () => false,
    );
    const left = list.filter((c) => !settled.includes(c));
    await writeConflictList(ctx, left);
    return { table: o.table, resolved: settled.length, remaining: left.filter((c) => c.table === o.table).length };
  });
}

/** Resolving rewrites the working file: an edit not yet added would be lost, so refuse. */
async function refuseEdited(ctx: RepoContext, index: StagingIndex, table: string): Promise<void> {
  if (!index.tables[table]) return;
  if ((await dirtyTables(ctx, index, indexTree(index), [table])).has(table)) {
    throw new WouldOverwrite(
      `'${table}' has edits that are not added`,
      { table },
      `'lakegit add ${index.tables[table].file}' takes the file as the resolution; 'lakegit checkout --force HEAD' is not what you want mid-merge`,
    );
  }
}

async function resolveTable(
  ctx: RepoContext,
  state: MergeState,
  index: StagingIndex,
  o: ResolveOptions,
  mine: Conflict[],
): Promise<Conflict[]> {
  const sides = state.tables[o.table];
  if (!sides)
    throw badInput(`no saved merge inputs for '${o.table}'`, { table: o.table }, `'lakegit ${state.kind} --abort' and start again`);
  const whole = mine.some((c) => c.key === null);
  if (whole && o.where) {
    throw new UsageError(
      `'${o.table}' has a table or schema conflict, which --where cannot split by rows`,
      { table: o.table },
      `resolve it without --where`,
    );
  }
  const backup = (f: string) => backupFile(ctx, state, f);
  const current: TableTree = { tables: new Map(index.tables[o.table] ? [[o.table, index.tables[o.table].manifest]] : []) };
  if (whole) {
    // A table or schema conflict decides the whole table: merge it again with the side chosen.
    const { outcome } = await mergePaired(ctx, sides, o.side);
    const next: TableTree = { tables: new Map(outcome.blob ? [[outcome.table, outcome.blob]] : []) };
    if (outcome.table !== o.table && index.tables[outcome.table]) current.tables.set(outcome.table, index.tables[outcome.table].manifest);
    await applyTree(ctx, index, current, next, backup);
    return mine;
  }
  const staged = await readManifest(ctx, index.tables[o.table].manifest);
  const s = new Scratch(await ctx.engine(), ctx.chunks);
  try {
    const inputs = await manifests(ctx, sides);
    const plan = await planTable(s, inputs, o.side);
    const open = new Set(mine.map((c) => JSON.stringify(c.key)));
    const { manifest, keys } = await resolveRows(s, inputs, staged, plan, open, o.where);
    const next: TableTree = { tables: new Map([[o.table, await writeManifest(ctx, manifest)]]) };
    await applyTree(ctx, index, current, next, backup);
    const chosen = new Set(keys.map((k) => JSON.stringify(k)));
    return mine.filter((c) => chosen.has(JSON.stringify(c.key)));
  } finally {
    await s.drop();
  }
}

async function manifests(ctx: RepoContext, p: Paired): Promise<{ base?: Manifest; ours: Manifest; theirs: Manifest }> {
  if (!p.ours || !p.theirs) throw new UsageError('this conflict is about the whole table; resolve it without --where');
  return {
    base: p.base && (await readManifest(ctx, p.base.blob)),
    ours: await readManifest(ctx, p.ours.blob),
    theirs: await readManifest(ctx, p.theirs.blob),
  };
}

/**
 * The staged table with the chosen side's rows for the still-open conflicting keys that `where`
 * selects (all of them without it). The predicate sees each key's row as staged (what the working
 * file shows), or theirs' when the staged table has none. Keys resolved earlier are left alone.
 */
async function resolveRows(
  s: Scratch,
  t: { base?: Manifest; ours: Manifest; theirs: Manifest },
  staged: Manifest,
  plan: TablePlan,
  open: ReadonlySet<string>,
  where: string | undefined,
): Promise<{ manifest: Manifest; keys: Row[] }> {
  const identity = plan.key!;
  const id = cols(identity);
  const keyOf = (r: Row) => Object.fromEntries(identity.map((k) => [k, r[k]]));
  // Numbered by a column of our own: a user key column may itself be called `rowid`.
  const numbered = await s.table('ckn', `SELECT ${id}, row_number() OVER () AS __lakegit_r FROM ${quoteIdent(plan.conflictKeys!)}`);
  const all = await s.engine.all(`SELECT * FROM ${quoteIdent(numbered)}`);
  const openRows = all.filter((r) => open.has(JSON.stringify(keyOf(r)))).map((r) => Number(r.__lakegit_r));
  const ck = await s.table('open', `SELECT ${id} FROM ${quoteIdent(numbered)} WHERE __lakegit_r IN (${[-1, ...openRows].join(', ')})`);
  const cur = await s.table('cur', projectSql(await rowsForKeys(s, staged, ck), staged.columns, plan.columns));
  let sel = ck;
  if (where !== undefined) {
    const theirs = projectSql(await rowsForKeys(s, t.theirs, ck), t.theirs.columns, plan.columns);
    const view = `SELECT * FROM ${quoteIdent(cur)} UNION ALL BY NAME
      SELECT r.* FROM (${theirs}) r ANTI JOIN ${quoteIdent(cur)} c ON ${joinOn(identity, 'r', 'c')}`;
    try {
      sel = await s.table('sel', `SELECT ${id} FROM (${view}) WHERE (${where})`);
    } catch (e) {
      throw new InvalidFilter(
        `--where: ${(e as Error).message.split('\n')[0]}`,
        { where },
        "write a DuckDB SQL condition over the table's columns",
      );
    }
  }
  const changes = quoteIdent(plan.changes!);
  const oursSel = projectSql(await rowsForKeys(s, t.ours, sel), t.ours.columns, plan.columns);
  const c = cols(names(plan.columns));
  const chosen = `SELECT ${c} FROM (${oursSel}) r ANTI JOIN ${changes} x ON ${joinOn(identity, 'r', 'x')}
    UNION ALL SELECT ${c} FROM ${changes} x SEMI JOIN ${quoteIdent(sel)} k ON ${joinOn(identity, 'x', 'k')} WHERE x.${quoteIdent(OP)} <> 'removed'`;
  const curSel = `SELECT * FROM ${quoteIdent(cur)} r SEMI JOIN ${quoteIdent(sel)} k ON ${joinOn(identity, 'r', 'k')}`;
  const delta = await s.table('rdelta', `SELECT * FROM (${changesSql(chosen, curSel, names(plan.columns), identity)}) ORDER BY ${id}`);
  const manifest = await applyDelta(s.engine, s.store, staged, delta, staged.source);
  const keys = (await s.engine.all(`SELECT ${id} FROM ${quoteIdent(sel)}`)).map(keyOf);
  return { manifest, keys };
}
