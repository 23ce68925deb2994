import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MergeInProgress } from '../../errors.js';
import { exists, readJsonIfExists, writeFileAtomic } from '../../store/fsutil.js';
import type { RepoContext } from '../context.js';
import { discardCreated, scratchCreated } from '../../store/journal.js';
import type { Conflict, Paired } from './tree.js';

export type MergeKind = 'merge' | 'revert' | 'cherry-pick';

/** The file naming the commit being brought in; `status` reads these to say what is in progress. */
export const HEAD_FILE: Record<MergeKind, string> = { merge: 'MERGE_HEAD', revert: 'REVERT_HEAD', 'cherry-pick': 'CHERRY_PICK_HEAD' };

/**
 * A merge (or revert, cherry-pick) stopped by conflicts, kept in `.lakegit/` so it survives the
 * shell: what to commit and how, what each conflicting table was merged from (so `resolve` can
 * merge it again with a side chosen), and what `--abort` must put back byte for byte.
 */
export interface MergeState {
  kind: MergeKind;
  source: string;
  theirs: string;
  head: string | null;
  message: string;
  author?: string;
  /** `merge --squash`: the eventual commit has one parent. */
  squash?: boolean;
  tables: Record<string, Paired>;
  /** Working files the merge replaced or created, in order; `saved` ones were linked aside first. */
  backups: { file: string; saved: boolean }[];
  hadIndex: boolean;
  origHead: string | null;
  /** Chunk files and objects the merge and later resolutions added to the stores. */
  created: string[];
}

const STATE = 'lakegit-merge.json';
const CONFLICTS = 'lakegit-conflicts.json';
const DIR = 'lakegit-merge';
const MSG = 'MERGE_MSG';

const stateDir = (ctx: RepoContext) => ctx.stateFile(DIR);
const savedIndex = (ctx: RepoContext) => path.join(stateDir(ctx), 'index.json');
const savedFile = (ctx: RepoContext, i: number) => path.join(stateDir(ctx), `file-${i}`);

export async function readState(ctx: RepoContext): Promise<MergeState | undefined> {
  return readJsonIfExists<MergeState>(ctx.stateFile(STATE));
}

export async function writeState(ctx: RepoContext, s: MergeState): Promise<void> {
  await writeFileAtomic(ctx.stateFile(STATE), `${JSON.stringify(s, null, 1)}\n`);
}

export async function readConflictList(ctx: RepoContext): Promise<Conflict[]> {
  return (await readJsonIfExists<Conflict[]>(ctx.stateFile(CONFLICTS))) ?? [];
}

export async function writeConflictList(ctx: RepoContext, list: readonly Conflict[]): Promise<void> {
  await writeFileAtomic(ctx.stateFile(CONFLICTS), `${JSON.stringify(list, null, 1)}\n`);
}

/** How a user finishes or leaves an operation stopped by conflicts: with the verb that started it. */
export const finishHint = (kind: MergeKind): string =>
  `finish it with 'lakegit ${kind} --continue' or leave it with 'lakegit ${kind} --abort'`;

/** The operation a HEAD file says is in progress, when its state file is missing. */
async function kindInProgress(ctx: RepoContext): Promise<MergeKind | undefined> {
  for (const [kind, file] of Object.entries(HEAD_FILE) as [MergeKind, string][]) if (await exists(ctx.stateFile(file))) return kind;
  return undefined;
}

/** Refuse to start a second merge (or revert, cherry-pick) over one in progress. */
export async function refuseIfInProgress(ctx: RepoContext): Promise<void> {
  const s = await readState(ctx);
  const head = (await Promise.all(Object.values(HEAD_FILE).map((f) => exists(ctx.stateFile(f))))).some(Boolean);
  if (s || head) {
    const kind = s?.kind ?? (await kindInProgress(ctx)) ?? 'merge';
    throw new MergeInProgress(`a ${kind} is in progress`, { kind }, finishHint(kind));
  }
}

/** Save what `--abort` needs before the merge touches the index or any working file. */
export async function beginState(
  ctx: RepoContext,
  s: Omit<MergeState, 'backups' | 'hadIndex' | 'origHead' | 'created'>,
): Promise<MergeState> {
  await fsp.rm(stateDir(ctx), { recursive: true, force: true });
  await fsp.mkdir(stateDir(ctx), { recursive: true });
  const hadIndex = await exists(ctx.staging.file);
  if (hadIndex) await fsp.copyFile(ctx.staging.file, savedIndex(ctx));
  const origHead = (await fsp.readFile(ctx.stateFile('ORIG_HEAD'), 'utf8').catch(() => undefined)) ?? null;
  const state: MergeState = { ...s, backups: [], hadIndex, origHead, created: [] };
  await writeState(ctx, state);
  return state;
}

/**
 * Keep a working file's current bytes before the merge replaces or deletes it: a hard link, so
 * the original inode (and its mtime, which the index's stat cache records) survives the rename.
 */
export async function backupFile(ctx: RepoContext, s: MergeState, file: string): Promise<void> {
  if (s.backups.some((b) => b.file === file)) return;
  const abs = ctx.abs(file);
  const i = s.backups.length;
  let saved = false;
  if (await exists(abs)) {
    await fsp.link(abs, savedFile(ctx, i)).catch(() => fsp.copyFile(abs, savedFile(ctx, i)));
    saved = true;
  }
  s.backups.push({ file, saved });
  await writeState(ctx, s);
}

/** The last step of a conflicted start: from here `status` says the merge is in progress. */
export async function finishStart(ctx: RepoContext, s: MergeState, conflicts: readonly Conflict[]): Promise<void> {
  await writeConflictList(ctx, conflicts);
  await writeFileAtomic(ctx.stateFile(MSG), s.message.endsWith('\n') ? s.message : `${s.message}\n`);
  if (s.head) await writeFileAtomic(ctx.stateFile('ORIG_HEAD'), `${s.head}\n`);
  await writeState(ctx, s);
  await writeFileAtomic(ctx.stateFile(HEAD_FILE[s.kind]), `${s.theirs}\n`);
}

/** Forget the merge state (after its commit): the working files and index stay as they are. */
export async function clearState(ctx: RepoContext): Promise<void> {
  for (const f of [...Object.values(HEAD_FILE), MSG, CONFLICTS]) await fsp.rm(ctx.stateFile(f), { force: true });
  await fsp.rm(ctx.stateFile(STATE), { force: true });
  await fsp.rm(stateDir(ctx), { recursive: true, force: true });
}

/** What the merge's scratch scope has added to the stores so far, as `created` keeps it: relative to the git directory. */
export const storeWrites = (ctx: RepoContext): string[] => scratchCreated().map((f) => path.relative(ctx.gitdir, f));

/** `--abort`: put the working files, the index, ORIG_HEAD and the stores back as they were. */
export async function restoreState(ctx: RepoContext, s: MergeState): Promise<string[]> {
  const restored: string[] = [];
  for (const [i, b] of [...s.backups.entries()].reverse()) {
    if (b.saved) await fsp.rename(savedFile(ctx, i), ctx.abs(b.file));
    else await fsp.rm(ctx.abs(b.file), { force: true });
    restored.push(b.file);
  }
  if (s.hadIndex) await fsp.rename(savedIndex(ctx), ctx.staging.file);
  else await fsp.rm(ctx.staging.file, { force: true });
  if (s.origHead === null) await fsp.rm(ctx.stateFile('ORIG_HEAD'), { force: true });
  else await writeFileAtomic(ctx.stateFile('ORIG_HEAD'), s.origHead);
  await discardCreated(s.created.filter((e) => !e.startsWith('..') && !path.isAbsolute(e)).map((e) => path.join(ctx.gitdir, e)));
  await clearState(ctx);
  return restored;
}

/** `add` (or `commit -a`) of a table takes its working file as the resolution of its conflicts. */
export async function markResolved(ctx: RepoContext, tables: readonly string[]): Promise<void> {
  if (tables.length === 0 || !(await exists(ctx.stateFile(CONFLICTS)))) return;
  const list = await readConflictList(ctx);
  const left = list.filter((c) => !tables.includes(c.table));
  if (left.length !== list.length) await writeConflictList(ctx, left);
}

/**
 * The commit path's view of a merge in progress: refuse while conflicts remain; otherwise a merge
 * commit gets the merged head as its second parent, and the state is cleared once it is written.
 */
export async function pendingMerge(
  ctx: RepoContext,
): Promise<{ extraParents?: string[]; event?: 'revert' | 'cherry-pick'; done: () => Promise<void> } | undefined> {
  const s = await readState(ctx);
  if (!s) return undefined;
  if (!(await exists(ctx.stateFile(HEAD_FILE[s.kind])))) {
    throw new MergeInProgress(
      `a ${s.kind} was interrupted before it finished starting`,
      { kind: s.kind },
      `run 'lakegit ${s.kind} --abort' to put everything back`,
    );
  }
  const left = await readConflictList(ctx);
  if (left.length) {
    throw new MergeInProgress(
      `${left.length} conflict(s) remain in ${[...new Set(left.map((c) => `'${c.table}'`))].join(', ')}`,
      { conflicts: left.length },
      `resolve them ('lakegit conflicts' lists them; 'lakegit resolve <table> --ours|--theirs', or edit the file and 'lakegit add' it), then 'lakegit ${s.kind} --continue'`,
    );
  }
  return {
    extraParents: s.kind === 'merge' && !s.squash ? [s.theirs] : undefined,
    event: s.kind === 'merge' ? undefined : s.kind,
    done: () => clearState(ctx),
  };
}
