import { expect } from 'vitest';
import type { Repo } from '../../src/repo.js';
import type { TempRepo } from '../helpers.js';
import { holdsRows, killCount, killDelays, killInLock, spreadInstants } from './kill-helpers.js';
import { api, newRepo } from './core-helpers.js';
import { commitMade } from '../helpers.js';

// #16 defect 12: every verb that moves a ref and rewrites the index and working files (revert,
// cherry-pick, merge, checkout, reset --hard) is SIGKILLed at instants spread over the time it holds
// the lock (its chunk, manifest, commit, ref, index and working-file writes). After each kill the
// next command (here: opening the repository) must find the state as before or as after, the index
// included: fsck passes, HEAD is the old or the new commit, status shows nothing staged or unstaged
// (a killed revert used to leave its own undo staged), and the working file holds HEAD's rows.
// The verbs are shared between two test files (kill-verbs.test.ts, kill-verbs-merge.test.ts) so
// that the suite's two workers each take a part.
export const RUNS = killCount(8); // per verb: 5 verbs, 40 kills (LAKEGIT_KILL_ROUNDS=5: 200)
const ROWS = Number(process.env.LAKEGIT_KILL_ROWS ?? 5_000);
export const SEED = Number(process.env.LAKEGIT_KILL_SEED ?? 20261206);

/** A version of the table: `note` changed on every 10th row, `amount` on every 7th (independent cells). */
export type Version = { note: boolean; amount: boolean };
const text = (v: Version) =>
  `id,customer,amount,note\n${Array.from(
    { length: ROWS },
    (_, i) => `${i},${i % 997},${v.amount && i % 7 === 0 ? i + 1_000_000 : i},${v.note && i % 10 === 0 ? `changed ${i}` : `note ${i}`}`,
  ).join('\n')}\n`;

const holds = (repo: TempRepo, v: Version) => holdsRows(repo, text(v));

/**
 * Kills made, and how many of them left a pending step for the next command to finish: per test,
 * reset by killHistory() (test files share a worker and its loaded modules: isolate is off).
 */
export const stats = { kills: 0, pending: 0 };

/** Open the repository (which finishes a pending step), then check fsck and a clean status. */
async function afterKill(repo: TempRepo, context: string): Promise<Repo> {
  stats.kills++;
  if (await repo.exists('.lakegit/lakegit-pending.json')) stats.pending++;
  const a = await api(repo);
  expect(await repo.exists('.lakegit/lakegit-pending.json'), context).toBe(false);
  expect((await a.fsck()).problems, context).toEqual([]);
  const st = await a.status();
  expect(st.state, context).toBe('clean');
  for (const t of st.tables) {
    expect({ ...t.staged, ...t.unstaged, schema: t.schemaChanged, change: t.change }, `${context}: ${JSON.stringify(t)}`).toEqual({
      added: 0,
      removed: 0,
      modified: 0,
      schema: false,
      change: undefined,
    });
  }
  return a;
}

export interface Verb {
  args: () => string[];
  /** Called when HEAD moved: checks the new commit and updates the expected version. */
  moved: (a: Repo, before: string, now: string, context: string) => Promise<void>;
  /** Put the repository back where the next run starts (in-process, not killed), if the verb does not toggle. */
  restore?: (a: Repo) => Promise<void>;
}

export async function killRuns(repo: TempRepo, name: string, verb: Verb, v: () => Version, seed: number): Promise<void> {
  let a = await api(repo);
  const calibrate = await killInLock(repo, verb.args(), 120_000);
  expect(calibrate.code, `${name} ran to the end: ${calibrate.stderr}`).toBe(0);
  expect(calibrate.heldMs, `${name} took the lock`).toBeDefined();
  let head = (await a.log({ n: 1 }))[0].commit;
  await verb.moved(a, '', head, `${name} calibration`);
  await verb.restore?.(a);
  head = (await a.log({ n: 1 }))[0].commit;
  const instants = spreadInstants(calibrate.heldMs!, RUNS, seed);
  const outcomes = { old: 0, new: 0 };
  const killAt = async (delay: number, label: string) => {
    const args = verb.args();
    await killInLock(repo, args, delay);
    const context = `${name} ${label}: ${args.join(' ')} killed ${delay} ms into the lock held ${calibrate.heldMs} ms (seed ${seed})`;
    a = await afterKill(repo, context);
    const now = (await a.log({ n: 1 }))[0].commit;
    if (now !== head) {
      await verb.moved(a, head, now, context);
      outcomes.new++;
    } else outcomes.old++;
    expect(await holds(repo, v()), context).toBe(true);
    await verb.restore?.(a);
    head = (await a.log({ n: 1 }))[0].commit;
  };
  let run = 0;
  for (const delay of killDelays(instants, calibrate.heldMs!, outcomes)) await killAt(delay, `run ${run++}`);
  console.log(`kill-verbs: ${name} ${JSON.stringify({ ...outcomes, ...stats })}`);
  expect(outcomes.old, `${name} ${JSON.stringify(outcomes)}`).toBeGreaterThan(0);
  expect(outcomes.new, `${name} ${JSON.stringify(outcomes)}`).toBeGreaterThan(0);
}

export interface History {
  repo: TempRepo;
  /** v0: neither change. */
  base: string;
  /** Branch f: base + the amounts. */
  fTip: string;
  /** main (checked out): base + the notes. */
  notes: string;
}

/** The history every kill runs on: base ─┬─ notes (main, checked out), └─ amounts (f). Set up in-process. */
export async function killHistory(): Promise<History> {
  Object.assign(stats, { kills: 0, pending: 0 });
  const repo = await newRepo({ 'orders.csv': text({ note: false, amount: false }) });
  const a = await api(repo);
  await a.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
  const base = commitMade(await a.commit({ message: 'v0' })).oid;
  await a.checkout({ target: 'HEAD', create: 'f' });
  await repo.write('orders.csv', text({ note: false, amount: true }));
  const fTip = commitMade(await a.commit({ message: 'amounts', all: true })).oid;
  await a.checkout({ target: 'main' });
  await repo.write('orders.csv', text({ note: true, amount: false }));
  const notes = commitMade(await a.commit({ message: 'notes', all: true })).oid;
  return { repo, base, fTip, notes };
}

/** The commit HEAD names. */
export const log1 = async (x: Repo) => (await x.log({ n: 1 }))[0];
