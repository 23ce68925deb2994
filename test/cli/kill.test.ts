import { describe, expect, it } from 'vitest';
import type { TempRepo } from '../helpers.js';
import { holdsRows, killCount, killDelays, killInLock, spreadInstants } from './kill-helpers.js';
import { api, newRepo } from './core-helpers.js';
import { commitMade } from '../helpers.js';

// Kill `commit` and `checkout` with SIGKILL at moments spread over the time they hold the lock (their
// chunk, manifest, commit and ref writes), then check what a crash must leave: fsck passes, HEAD is
// the old or the new commit (branch), and that commit's rows are intact.
// One repository is reused; each run starts from a clean checkout of HEAD.
const RUNS = killCount(10); // per verb (LAKEGIT_KILL_ROUNDS=5: 50)
const ROWS = 10_000;
const SEED = Number(process.env.LAKEGIT_KILL_SEED ?? 20260101);

/** Two versions of a table; the second changes every tenth row. */
const version = (v: number) =>
  `id,customer,amount,status,note\n${Array.from(
    { length: ROWS },
    (_, i) =>
      `${i},${i % 997},${((i * 37) % 10000) / 100},${['new', 'paid', 'shipped'][i % 3]},${v === 1 && i % 10 === 0 ? `changed ${i}` : `note ${i}`}`,
  ).join('\n')}\n`;
const VERSIONS = [version(0), version(1)];

const holds = (repo: TempRepo, v: number) => holdsRows(repo, VERSIONS[v]);

let locksLeft = 0;

/** fsck passes; a lock left by the killed writer is counted (the next writer must take it over). */
async function expectIntact(repo: TempRepo, context: string): Promise<void> {
  if (await repo.exists('.lakegit/lakegit.lock')) locksLeft++;
  const fsck = await (await api(repo)).fsck();
  expect(fsck.problems, context).toEqual([]);
}

describe('kill', () => {
  it(`kill: commit killed at ${RUNS} moments leaves HEAD old or new with its rows intact`, async () => {
    await using repo = await newRepo({ 'orders.csv': VERSIONS[0] });
    const a = await api(repo);
    await a.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
    let head = commitMade(await a.commit({ message: 'v0' })).oid;
    let current = 0;
    await repo.write('orders.csv', VERSIONS[1]);
    const calibrate = await killInLock(repo, ['commit', '-am', 'calibrate'], 60_000);
    expect(calibrate.code).toBe(0);
    head = (await a.log({ n: 1 }))[0].commit;
    current = 1;
    const instants = spreadInstants(calibrate.heldMs!, RUNS, SEED);
    const outcomes = { old: 0, new: 0 };
    let run = -1;
    for (const delay of killDelays(instants, calibrate.heldMs!, outcomes)) {
      run++;
      const next = 1 - current;
      await repo.write('orders.csv', VERSIONS[next]);
      await killInLock(repo, ['commit', '-am', `run ${run}`], delay);
      const context = `run ${run}, killed ${delay} ms into the lock held ${calibrate.heldMs} ms (seed ${SEED})`;
      await expectIntact(repo, context);
      const now = (await a.log({ n: 1 }))[0];
      expect(await a.currentBranch(), context).toBe('main');
      if (now.commit !== head) {
        expect(now, context).toMatchObject({ parents: [head], message: `run ${run}` });
        head = now.commit;
        current = next;
        outcomes.new++;
      } else outcomes.old++;
      await a.checkout({ target: 'HEAD', force: true });
      expect(await holds(repo, current), context).toBe(true);
    }
    expect(outcomes.old, JSON.stringify(outcomes)).toBeGreaterThan(0);
    expect(outcomes.new, JSON.stringify(outcomes)).toBeGreaterThan(0);
    expect((await repo.run('fsck')).exitCode).toBe(0);
  }, 240_000);

  it(`kill: checkout killed at ${RUNS} moments leaves HEAD on the old or new branch with its rows intact`, async () => {
    await using repo = await newRepo({ 'orders.csv': VERSIONS[0] });
    const a = await api(repo);
    await a.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
    await a.commit({ message: 'v0' });
    await a.checkout({ target: 'HEAD', create: 'other' });
    await repo.write('orders.csv', VERSIONS[1]);
    await a.commit({ message: 'v1', all: true });
    const refs = { main: (await a.branches()).find((b) => b.name === 'main')!.commit, other: (await a.log({ n: 1 }))[0].commit };
    const versionOf: Record<string, number> = { main: 0, other: 1 };
    const calibrate = await killInLock(repo, ['checkout', 'main'], 60_000);
    expect(calibrate.code).toBe(0);
    const instants = spreadInstants(calibrate.heldMs!, RUNS, SEED + 1);
    const outcomes = { old: 0, new: 0 };
    let run = -1;
    for (const delay of killDelays(instants, calibrate.heldMs!, outcomes)) {
      run++;
      const from = (await a.currentBranch())!;
      const to = from === 'main' ? 'other' : 'main';
      await killInLock(repo, ['checkout', to], delay);
      const context = `run ${run}, ${from} -> ${to}, killed ${delay} ms into the lock held ${calibrate.heldMs} ms (seed ${SEED})`;
      await expectIntact(repo, context);
      const branch = await a.currentBranch();
      expect([from, to], context).toContain(branch);
      outcomes[branch === to ? 'new' : 'old']++;
      const branches = Object.fromEntries((await a.branches()).map((b) => [b.name, b.commit]));
      expect(branches, context).toEqual(refs);
      await a.checkout({ target: branch!, force: true });
      expect(await holds(repo, versionOf[branch!]), context).toBe(true);
    }
    expect(outcomes.old, JSON.stringify(outcomes)).toBeGreaterThan(0);
    expect(outcomes.new, JSON.stringify(outcomes)).toBeGreaterThan(0);
    expect((await repo.run('fsck')).exitCode).toBe(0);
    // Killed writers left their lock behind, and every following writer took it over.
    expect(locksLeft).toBeGreaterThan(0);
  }, 240_000);
});
