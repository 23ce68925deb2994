import { recordStat, statFile, statMatches, type FileStat, type StagingIndex } from '../store/staging.js';
import type { RepoContext } from './context.js';
import { CONFIG_FILE } from './context.js';
import { countChanges, fromSnapshot, fromWork, zeroCounts, type RowCounts } from './diff/rowdiff.js';
import { readManifest, readTableTree } from './tree.js';
import { TableSnapshot } from '../table/snapshot.js';
import { dropWork, findDataFiles, loadWorkingFile } from './worktree.js';
import { exists } from '../store/fsutil.js';
import { countByLines } from './stage-tracked.js';
import { readConflictList } from './merge/state.js';
import { validateKey } from '../table/changes.js';
import { LakegitError } from '../errors.js';
import { upstreamStatus, type UpstreamStatus } from './remote/tracking.js';

/** A bad-input error reading or checking a working file, as a status problem; anything else is rethrown. */
function invalidFile(e: unknown): { problem: string } {
  if (e instanceof LakegitError && e.exitCode === 2) return { problem: e.message };
  throw e;
}

export type RepoState = 'clean' | 'merging' | 'reverting';

export interface TableStatus {
  table: string;
  file: string;
  staged: RowCounts;
  unstaged: RowCounts;
  schemaChanged: boolean;
  /** `invalid`: the working file cannot be committed as it is (unreadable, duplicate or NULL keys); see `problem`. */
  change?: 'new' | 'deleted' | 'missing' | 'invalid';
  /** Why the working file cannot be committed, as `add` would say it. */
  problem?: string;
}

export interface StatusResult {
  branch: string | null;
  head: string | null;
  state: RepoState;
  tables: TableStatus[];
  untracked: string[];
  config?: { staged: boolean; unstaged: boolean };
  /** During a merge, revert or cherry-pick: the tables with unresolved conflicts. */
  conflicted?: string[];
  /** The branch against its upstream (`origin/main`), when it has one. */
  upstream?: UpstreamStatus;
}

export async function repoState(ctx: RepoContext): Promise<RepoState> {
  if ((await exists(ctx.stateFile('MERGE_HEAD'))) || (await exists(ctx.stateFile('CHERRY_PICK_HEAD')))) return 'merging';
  if (await exists(ctx.stateFile('REVERT_HEAD'))) return 'reverting';
  return 'clean';
}

/** `status`: staged (index vs HEAD) and unstaged (working files vs index) row counts per table. */
export async function status(ctx: RepoContext): Promise<StatusResult> {
  const head = await ctx.git.resolveRef('HEAD');
  const headTree = await readTableTree(ctx, head);
  const index = await ctx.staging.read();
  const names = [...new Set([...Object.keys(index.tables), ...headTree.tables.keys()])].sort();
  const tables: TableStatus[] = [];
  const verified = new Map<string, FileStat>();
  for (const table of names) tables.push(await tableStatus(ctx, index, headTree.tables.get(table), table, verified));
  if (verified.size) await refreshStats(ctx, index, verified);
  const state = await repoState(ctx);
  const conflicted = state === 'clean' ? [] : [...new Set((await readConflictList(ctx)).map((c) => c.table))].sort();
  const tracked = new Set(Object.values(index.tables).map((e) => e.file));
  const untracked = (await findDataFiles(ctx.root)).filter((f) => !tracked.has(f));
  if (!index.config && (await exists(ctx.abs(CONFIG_FILE)))) untracked.push(CONFIG_FILE);
  const branch = (await ctx.git.currentBranch()) ?? null;
  const upstream = await upstreamStatus(ctx, branch ?? undefined);
  return {
    branch,
    head: head ?? null,
    state,
    tables,
    untracked,
    config: await configStatus(ctx, index, headTree.config),
    ...(conflicted.length ? { conflicted } : {}),
    ...(upstream ? { upstream } : {}),
  };
}

/**
 * Whether the working lakegit.yaml is not the one HEAD holds (untracked, staged or edited), read
 * without touching a table or writing an object: `check` mentions it, since it runs HEAD's.
 */
export async function configUncommitted(ctx: RepoContext): Promise<boolean> {
  const { promises: fsp } = await import('node:fs');
  const { createHash } = await import('node:crypto');
  const headBlob = (await readTableTree(ctx, await ctx.git.resolveRef('HEAD'))).config;
  const text = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
  const working = text && createHash('sha1').update(`blob ${text.length}\0`).update(text).digest('hex');
  return working !== headBlob;
}

async function configStatus(ctx: RepoContext, index: StagingIndex, headBlob?: string) {
  if (!index.config && !headBlob) return undefined;
  const { promises: fsp } = await import('node:fs');
  const text = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
  const working = text === undefined ? undefined : await ctx.git.writeBlob(text);
  return { staged: index.config?.blob !== headBlob, unstaged: working !== index.config?.blob };
}

/**
 * As `git status` refreshes its index: files re-read because their stat proved nothing, and found to
 * hold the staged rows, get their stat recorded so the next status trusts it. Best effort: skipped
 * when another writer holds the lock or the file moved meanwhile.
 */
async function refreshStats(ctx: RepoContext, seen: StagingIndex, verified: Map<string, FileStat>): Promise<void> {
  await ctx.tryLocked(async () => {
    const index = await ctx.staging.read();
    let changed = false;
    for (const [table, stat] of verified) {
      const entry = index.tables[table];
      const now = entry && (await statFile(ctx.abs(entry.file)));
      if (!entry || entry.manifest !== seen.tables[table]?.manifest || !now || now.size !== stat.size || now.mtimeMs !== stat.mtimeMs)
        continue;
      entry.stat = stat;
      changed = true;
    }
    if (changed) await ctx.staging.write(index);
  });
}

async function tableStatus(
  ctx: RepoContext,
  index: StagingIndex,
  headBlob: string | undefined,
  table: string,
  verified: Map<string, FileStat>,
): Promise<TableStatus> {
  const entry = index.tables[table];
  if (!entry) {
    const m = await readManifest(ctx, headBlob!);
    return {
      table,
      file: m.source.file,
      staged: { ...zeroCounts(), removed: m.rows },
      unstaged: zeroCounts(),
      schemaChanged: false,
      change: 'deleted',
    };
  }
  const indexSnap = new TableSnapshot(await readManifest(ctx, entry.manifest), ctx.chunks);
  const engine = entry.manifest === headBlob ? undefined : await ctx.engine();
  let staged = zeroCounts();
  let schemaChanged = false;
  if (!headBlob) staged = { ...zeroCounts(), added: indexSnap.manifest.rows };
  else if (engine) {
    const headSnap = new TableSnapshot(await readManifest(ctx, headBlob), ctx.chunks);
    const c = await countChanges(engine, fromSnapshot(headSnap), fromSnapshot(indexSnap));
    staged = { added: c.added, removed: c.removed, modified: c.modified };
    schemaChanged = c.schemaChanged;
  }
  const now = await statFile(ctx.abs(entry.file));
  const base = { table, file: entry.file, staged, schemaChanged, change: headBlob ? undefined : ('new' as const) };
  if (!now) return { ...base, unstaged: { ...zeroCounts(), removed: indexSnap.manifest.rows }, change: 'missing' };
  if (statMatches(entry.stat, now)) return { ...base, unstaged: zeroCounts() };
  const checkedAt = Date.now();
  const clean = (c: RowCounts, schema: boolean) => {
    if (c.added + c.removed + c.modified === 0 && !schema) verified.set(table, recordStat(now, checkedAt));
  };
  const quick = await countByLines(ctx, entry, indexSnap.manifest);
  if (quick) {
    clean(quick, false);
    return { ...base, unstaged: quick };
  }
  const eng = await ctx.engine();
  const m = indexSnap.manifest;
  // A file `commit -a` would refuse is reported as such, never counted (a duplicated line would count as no change).
  const loaded = await loadWorkingFile(ctx, eng, entry.file, m.source.format, m).catch(invalidFile);
  if (!('work' in loaded)) return { ...base, unstaged: zeroCounts(), change: 'invalid', problem: loaded.problem };
  try {
    const bad = m.key
      ? await validateKey(eng, loaded.work, loaded.columns, m.key, entry.file).then(() => undefined, invalidFile)
      : undefined;
    if (bad) return { ...base, unstaged: zeroCounts(), change: 'invalid', problem: bad.problem };
    const c = await countChanges(eng, fromSnapshot(indexSnap), fromWork(loaded.work, loaded.columns, indexSnap.identity));
    clean(c, c.schemaChanged);
    return {
      ...base,
      unstaged: { added: c.added, removed: c.removed, modified: c.modified },
      schemaChanged: schemaChanged || c.schemaChanged,
    };
  } finally {
    await dropWork(eng, loaded.work);
  }
}
