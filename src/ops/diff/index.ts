import type { Engine } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { InvalidFilter, UnknownColumn, UsageError } from '../../errors.js';
import { validateKey } from '../../table/changes.js';
import { emptyRelation } from '../../table/rowsql.js';
import { diffSchemas, type Column } from '../../table/schema.js';
import { TableSnapshot } from '../../table/snapshot.js';
import type { RepoContext } from '../context.js';
import { zeroCounts, type RowCounts } from './rowdiff.js';
import { readManifest, readTableTree } from '../tree.js';
import { dropWork, loadWorkingFile } from '../worktree.js';
import { Comparison } from './compare.js';
import { pairTables, resolveEndpoints, sideLabel, type Endpoints, type SideRef, type SideTable, type TablePair } from './inputs.js';
import { recordedChanges } from '../change-stats.js';
import { sameData, type Side } from './plan.js';
import { PlannedTableDiff, type TableMeta } from './table-diff.js';
import type { DiffOptions, DiffSession, SchemaDelta, TableDiff } from './types.js';

export type * from './types.js';

/**
 * `diff`: resolve the two sides, pair their tables, and hand out one lazily planned comparison per
 * table. Nothing is read until a table's stats or rows are asked for, and then only what its
 * manifests say may differ.
 */
export async function diff(ctx: RepoContext, opts: DiffOptions = {}): Promise<DiffSession> {
  if (opts.where !== undefined && !opts.where.trim())
    throw new UsageError('--where needs a condition', {}, 'e.g. --where "region = \'EU\'"');
  if (opts.columns && opts.columns.length === 0) throw new UsageError('--columns needs at least one column name');
  const ends = await resolveEndpoints(ctx, opts);
  const pairs = await pairTables(ctx, ends);
  const recorded = opts.where === undefined && opts.columns === undefined ? await recordedCounts(ctx, ends) : undefined;
  return {
    from: sideLabel(ends.from),
    to: sideLabel(ends.to),
    tableCount: pairs.length,
    tables: () => eachTable(ctx, pairs, opts, recorded),
  };
}

/**
 * When one side is the other's first parent (or nothing, for a root commit), the counts that
 * commit recorded (src/ops/change-stats.ts), turned around when the child is the `from` side:
 * `--stat` then reads no row and never loads DuckDB.
 */
async function recordedCounts(ctx: RepoContext, ends: Endpoints): Promise<Map<string, RowCounts> | undefined> {
  const parentOf = async (s: SideRef) => (s.kind === 'commit' ? ((await ctx.git.readCommit(s.oid)).parents[0] ?? null) : undefined);
  const sideOid = (s: SideRef) => (s.kind === 'commit' ? s.oid : s.kind === 'empty' ? null : undefined);
  const [from, to] = [sideOid(ends.from), sideOid(ends.to)];
  if (from === undefined || to === undefined) return undefined;
  const [child, flipped] =
    to !== null && (await parentOf(ends.to)) === from
      ? [to, false]
      : from !== null && (await parentOf(ends.from)) === to
        ? [from, true]
        : [];
  if (child === undefined) return undefined;
  const c = await ctx.git.readCommit(child);
  const counts = await recordedChanges(ctx, c, await readTableTree(ctx, c.parents[0]), await readTableTree(ctx, child));
  if (!flipped || !counts) return counts;
  return new Map([...counts].map(([t, n]) => [t, { added: n.removed, removed: n.added, modified: n.modified }]));
}

async function* eachTable(
  ctx: RepoContext,
  pairs: TablePair[],
  opts: DiffOptions,
  recorded: Map<string, RowCounts> | undefined,
): AsyncGenerator<TableDiff> {
  for (const pair of pairs) {
    const cleanup: string[] = [];
    try {
      yield await prepare(ctx, pair, opts, cleanup, pair.status === 'renamed' ? undefined : recorded?.get(pair.table));
    } finally {
      if (cleanup.length) {
        const engine = await ctx.engine();
        for (const work of cleanup) await dropWork(engine, work);
      }
    }
  }
}

/** One side as rows to compare: a snapshot, or a working file loaded (and key-checked) into DuckDB. */
async function loadSide(ctx: RepoContext, t: SideTable, cleanup: string[]): Promise<Side> {
  if (t.blob) {
    const m = await readManifest(ctx, t.blob);
    return { columns: m.columns, key: m.key, snapshot: new TableSnapshot(m, ctx.chunks) };
  }
  const prior = await readManifest(ctx, t.prior!);
  const engine = await ctx.engine();
  const loaded = await loadWorkingFile(ctx, engine, t.file!, prior.source.format, prior);
  cleanup.push(loaded.work);
  if (prior.key) await validateKey(engine, loaded.work, loaded.columns, prior.key, t.file!);
  return { columns: loaded.columns, key: prior.key, sql: `SELECT * FROM ${quoteIdent(loaded.work)}` };
}

/** The missing side of an added or removed table: no rows, the other side's columns (as an empty snapshot when it is one). */
const noRows = (like: Side): Side =>
  like.snapshot
    ? {
        columns: like.columns,
        key: like.key,
        snapshot: new TableSnapshot({ ...like.snapshot.manifest, chunks: [], deltas: [], rows: 0 }, like.snapshot.store),
      }
    : { columns: like.columns, key: like.key, sql: emptyRelation(like.columns) };

export function schemaDelta(before: readonly Column[] | null, after: readonly Column[] | null): SchemaDelta {
  if (!before || !after) return { added: [], removed: [], changed: [] };
  const s = diffSchemas(before, after);
  return { added: s.added, removed: s.removed, changed: s.changed, ...(s.reordered ? { reordered: true as const } : {}) };
}

async function prepare(ctx: RepoContext, pair: TablePair, opts: DiffOptions, cleanup: string[], recorded?: RowCounts): Promise<TableDiff> {
  const b = pair.before ? await loadSide(ctx, pair.before, cleanup) : undefined;
  const a = pair.after ? await loadSide(ctx, pair.after, cleanup) : undefined;
  return compareSides(() => ctx.engine(), b, a, opts, pair, recorded);
}

/**
 * The comparison of two sides of one table (either may be missing: an added or removed table).
 * Options are checked at once; what to read is planned when rows or stats are first asked for.
 */
export async function compareSides(
  engine: () => Promise<Engine>,
  b: Side | undefined,
  a: Side | undefined,
  opts: Pick<DiffOptions, 'where' | 'columns'> = {},
  meta: TableMeta = { table: '', status: 'modified' },
  /** The pair's counts when already known (a commit's record): nothing is read for `stats()`. */
  known?: RowCounts,
): Promise<TableDiff> {
  const before = b ?? noRows(a!);
  const after = a ?? noRows(b!);
  checkColumns(meta.table, before.columns, after.columns, opts.columns);
  const td = new PlannedTableDiff(
    engine,
    meta,
    schemaDelta(b?.columns ?? null, a?.columns ?? null),
    { before, after },
    b?.columns ?? null,
    a?.columns ?? null,
    opts,
    known ?? wholeSideRows(b, a, opts),
  );
  if (opts.where && !(before.snapshot && after.snapshot && sameData(before.snapshot.manifest, after.snapshot.manifest))) {
    await checkWhere(await engine(), td.comparison('', ''), meta.table, opts.where);
  }
  return td;
}

/** An added or removed table's row count, known from its manifest without reading, when nothing filters it. */
function wholeSideRows(b: Side | undefined, a: Side | undefined, opts: Pick<DiffOptions, 'where'>): RowCounts | undefined {
  if (opts.where || (b && a)) return undefined;
  const m = (a ?? b)!.snapshot?.manifest;
  if (!m) return undefined;
  return { ...zeroCounts(), [a ? 'added' : 'removed']: m.rows };
}

function checkColumns(table: string, before: Column[], after: Column[], wanted?: string[]): void {
  for (const c of wanted ?? []) {
    if (!before.some((x) => x.name === c) && !after.some((x) => x.name === c)) {
      throw new UnknownColumn(
        `--columns: table '${table}' has no column '${c}'`,
        { table, column: c },
        `columns are: ${[...new Set([...after, ...before].map((x) => x.name))].join(', ')}`,
      );
    }
  }
}

async function checkWhere(engine: Engine, cmp: Comparison, table: string, where: string): Promise<void> {
  try {
    await engine.run(cmp.whereCheckSql());
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new InvalidFilter(
      `--where does not fit table '${table}': ${first}`,
      { table, where },
      "write a DuckDB condition over the table's columns",
    );
  }
}
