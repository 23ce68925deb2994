import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { recordPasses, type PassNote } from '../checks/notes.js';
import { baselineAt, runChecks } from '../checks/run.js';
import type { RepoContext } from '../context.js';
import { readTableTree } from '../tree.js';
import { writeFileAtomic } from '../../store/fsutil.js';
import { receivingContext } from './receive-context.js';
import type { ReceiveVerdict, RefUpdate } from './receive.js';

/**
 * A remote records the checks it saw pass, so that its clones check later merges incrementally:
 * `pre-receive` judges a push inside git's quarantine, where no ref may move, so it leaves the
 * passes of each accepted protected tip in `<bare>/cache/received-passes/<commit>.json`, and
 * `post-receive` (run once the refs have moved) writes them as the note of that commit in
 * `refs/notes/lakegit-checks`. A note says only that these manifests passed these checks, which
 * stays true whatever became of the push; files left by a push git refused later are dropped
 * after a day.
 */
export const PENDING = path.join('cache', 'received-passes');
const STALE_MS = 24 * 3600 * 1000;

interface Pending {
  ref: string;
  passes: PassNote['tables'];
}

const fileOf = (ctx: RepoContext, commit: string) => path.join(ctx.stateFile(PENDING), `${commit}.json`);

/** pre-receive, when it accepts the push: what each protected branch's new tip passed. */
export async function stagePasses(ctx: RepoContext, updates: RefUpdate[], verdicts: ReceiveVerdict[]): Promise<void> {
  for (const [i, v] of verdicts.entries()) {
    if (!v.protected || !v.accepted || !v.passes || Object.keys(v.passes).length === 0) continue;
    const pending: Pending = { ref: v.ref, passes: v.passes };
    await fsp.mkdir(ctx.stateFile(PENDING), { recursive: true });
    await writeFileAtomic(fileOf(ctx, updates[i].new), JSON.stringify(pending));
  }
}

export interface Recorded {
  ref: string;
  commit: string;
  tables: string[];
  checks: number;
}

/** post-receive: record the staged passes of the refs that really moved; returns what it recorded. */
export async function recordReceived(ctx: RepoContext, updates: RefUpdate[]): Promise<Recorded[]> {
  const out: Recorded[] = [];
  for (const u of updates) {
    const file = fileOf(ctx, u.new);
    const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
    if (!text) continue;
    const pending = JSON.parse(text) as Pending;
    await ctx.locked(() => recordPasses(ctx, u.new, pending.passes));
    await fsp.rm(file, { force: true });
    const tables = Object.keys(pending.passes).sort();
    out.push({ ref: u.ref, commit: u.new, tables, checks: tables.reduce((n, t) => n + pending.passes[t].passed.length, 0) });
  }
  await dropStale(ctx);
  return out;
}

async function dropStale(ctx: RepoContext): Promise<void> {
  const dir = ctx.stateFile(PENDING);
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const st = await fsp.stat(file).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > STALE_MS) await fsp.rm(file, { force: true });
  }
}

export interface TipRecord {
  branch: string;
  commit: string;
  /** Whether the tip passes its own lakegit.yaml's checks; only then are the passes recorded. */
  passed: boolean;
  /** How many checks ran; of those that passed, the row-local ones are recorded: `checks` of them, on `tables`. */
  ran: number;
  tables: string[];
  checks: number;
}

/**
 * `lakegit -C <bare> protect <branch>`: the branch's tip is checked, in full, against its own
 * lakegit.yaml (the policy that guards the branch from now on), and the row-local checks it passes
 * are recorded as the hooks record them, so that clones can check the first merge incrementally.
 * Chunks are read from the repository's store, a bucket's as the hook reads it. Undefined when
 * the repository is not bare.
 */
export async function recordBranchTip(ctx: RepoContext, branch: string): Promise<TipRecord | undefined> {
  const tip = ctx.bare ? await ctx.git.resolveRef(`refs/heads/${branch}`) : undefined;
  if (!tip) return undefined;
  const here = await receivingContext(ctx.gitdir, {});
  const tree = await readTableTree(here, tip);
  const { report, passes } = await runChecks(here, {
    event: 'check',
    config: tree.config,
    configTree: tree,
    origin: `lakegit.yaml at ${branch}`,
    candidate: tree,
    candidateCommit: tip,
    full: true,
    baseline: await baselineAt(here, (await here.git.readCommit(tip)).parents[0]),
  });
  const record: TipRecord = { branch, commit: tip, passed: report.passed, ran: report.checks.length, tables: [], checks: 0 };
  if (!report.passed || Object.keys(passes).length === 0) return record;
  await here.locked(() => recordPasses(here, tip, passes));
  record.tables = Object.keys(passes).sort();
  record.checks = record.tables.reduce((n, t) => n + passes[t].passed.length, 0);
  return record;
}
