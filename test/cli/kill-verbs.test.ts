import { describe, expect, it } from 'vitest';
import { api } from './core-helpers.js';
import { RUNS, SEED, killHistory, killRuns, log1, stats, type Version } from './kill-verbs-fixture.js';

// Revert, cherry-pick and reset --hard killed at instants spread over the time each holds the lock
// (kill-verbs-fixture.ts says what must hold after each kill; merge and checkout: kill-verbs-merge.test.ts).
describe('kill: ref-moving verbs', () => {
  it(`kill: revert, cherry-pick and reset --hard killed ${RUNS} times each leave the state before or after, index included`, async () => {
    const h = await killHistory();
    await using repo = h.repo;
    let cur: Version = { note: true, amount: false };
    const v = () => cur;

    // revert HEAD toggles the notes; each success is a commit on the old HEAD.
    await killRuns(
      repo,
      'revert',
      {
        args: () => ['revert', 'HEAD'],
        moved: async (x, before, now, context) => {
          const c = await log1(x);
          expect(c.commit, context).toBe(now);
          if (before) expect(c.parents, context).toEqual([before]);
          expect(c.message, context).toMatch(/^Revert /);
          cur = { ...cur, note: !cur.note };
        },
      },
      v,
      SEED,
    );
    // cherry-pick of the notes commit, or of a revert of it, whichever changes something.
    let a = await api(repo);
    const firstRevert = (await a.log({ n: 200 })).reverse().find((c) => c.message.startsWith('Revert'))!.commit;
    await killRuns(
      repo,
      'cherry-pick',
      {
        args: () => ['cherry-pick', cur.note ? firstRevert : h.notes],
        moved: async (x, before, _now, context) => {
          if (before) expect((await log1(x)).parents, context).toEqual([before]);
          cur = { ...cur, note: !cur.note };
        },
      },
      v,
      SEED + 1,
    );
    // reset --hard between the first commit and the notes commit, on main.
    a = await api(repo);
    await a.reset(h.notes, 'hard');
    cur = { note: true, amount: false };
    await killRuns(
      repo,
      'reset --hard',
      {
        args: () => ['reset', '--hard', cur.note ? h.base : h.notes],
        moved: async (x, _before, now, context) => {
          expect([h.base, h.notes], context).toContain(now);
          cur = { note: now === h.notes, amount: false };
        },
      },
      v,
      SEED + 4,
    );
    expect(stats.kills).toBeGreaterThanOrEqual(3 * RUNS);
    // Some kills landed between the recorded step and its end, and the next command finished them.
    expect(stats.pending, JSON.stringify(stats)).toBeGreaterThan(0);
    console.log(`kill-verbs: ${JSON.stringify(stats)}`);
  }, 3_600_000);
});
