import { describe, expect, it } from 'vitest';
import { api } from './core-helpers.js';
import { RUNS, SEED, killHistory, killRuns, log1, stats, type Version } from './kill-verbs-fixture.js';

// Merge and checkout killed at instants spread over the time each holds the lock (kill-verbs-fixture.ts
// says what must hold after each kill; revert, cherry-pick and reset --hard: kill-verbs.test.ts).
describe('kill: ref-moving verbs', () => {
  it(`kill: merge and checkout killed ${RUNS} times each leave the state before or after, index included`, async () => {
    const h = await killHistory();
    await using repo = h.repo;
    let cur: Version = { note: true, amount: false };

    // merge f (a three-way merge with a commit), undone in-process after each success.
    const mainBefore = h.notes;
    await killRuns(
      repo,
      'merge',
      {
        args: () => ['merge', 'f'],
        moved: async (x, before, _now, context) => {
          if (before) expect((await log1(x)).parents, context).toEqual([before, h.fTip]);
          cur = { note: true, amount: true };
        },
        restore: async (x) => {
          if ((await log1(x)).commit === mainBefore) return;
          await x.reset(mainBefore, 'hard');
          cur = { note: true, amount: false };
        },
      },
      () => cur,
      SEED + 2,
    );
    // checkout between main and f.
    const a = await api(repo);
    expect((await log1(a)).commit).toBe(mainBefore);
    const branchVersion: Record<string, Version> = { main: { note: true, amount: false }, f: { note: false, amount: true } };
    let branch = 'main';
    await killRuns(
      repo,
      'checkout',
      {
        args: () => ['checkout', branch === 'main' ? 'f' : 'main'],
        moved: async (x, _before, _now, context) => {
          const now = (await x.currentBranch())!;
          expect(now, context).toBe(branch === 'main' ? 'f' : 'main');
          branch = now;
        },
      },
      () => branchVersion[branch],
      SEED + 3,
    );
    expect(stats.kills).toBeGreaterThanOrEqual(2 * RUNS);
    // Some kills landed between the recorded step and its end, and the next command finished them.
    expect(stats.pending, JSON.stringify(stats)).toBeGreaterThan(0);
    console.log(`kill-verbs: ${JSON.stringify(stats)}`);
  }, 3_600_000);
});
