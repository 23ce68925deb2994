import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlameResult, BlameRow } from '../../../src/ops/blame/index.js';
import { Repo } from '../../../src/repo.js';
import {
  commitArb,
  playHistory,
  referenceBlame,
  referenceKeyless,
  sameRow,
  roundArb,
  unchangedPath,
  withRepo,
  type ModelCommit,
  type Round,
  type Row,
} from './blame-model.js';

async function collect(r: BlameResult): Promise<BlameRow[]> {
  const out: BlameRow[] = [];
  for await (const batch of r.rows) out.push(...batch);
  return out;
}

const isAncestor = (commits: Map<string, ModelCommit>, a: string, b: string): boolean =>
  a === b || commits.get(b)!.parents.some((p) => isAncestor(commits, a, p));

async function checkKeyed(repo: Repo, rounds: Round[]): Promise<void> {
  const commits = await playHistory(repo, rounds, false);
  const head = (await repo.ctx.git.resolveRef('HEAD'))!;
  const rows = await collect(await repo.blame({ ref: 'orders@HEAD' }));
  const cells = await collect(await repo.blame({ ref: 'orders@HEAD', cells: true }));
  const table = commits.get(head)!.table;
  expect(rows.map((r) => r.key.id)).toEqual(table.map((r) => r.id));
  expect(cells.map((r) => r.key.id)).toEqual(table.map((r) => r.id));
  for (const [i, now] of table.entries()) {
    const at = (oid: string) => commits.get(oid)!.table.find((r) => r.id === now.id);
    const blamed = rows[i].commit;
    expect(blamed).toBe(referenceBlame(commits, head, now, [['amount', 'status']]).get(0));
    const ref = referenceBlame(commits, head, now, [['amount'], ['status']]);
    expect([cells[i].cells!.amount.commit, cells[i].cells!.status.commit]).toEqual([ref.get(0), ref.get(1)]);
    // The blamed commit changed the row against every parent, and the row is unchanged on a path to it.
    expect(commits.get(blamed)!.parents.every((p) => !sameRow(at(p), now))).toBe(true);
    expect(
      unchangedPath(commits, head, blamed, (t) =>
        sameRow(
          t.find((r) => r.id === now.id),
          now,
        ),
      ),
    ).toBe(true);
    // Cell blame agrees with row blame: the newest cell commit is the row commit.
    const cellCommits = Object.values(cells[i].cells!).map((c) => c.commit);
    expect(cells[i].commit).toBe(blamed);
    expect(cellCommits).toContain(blamed);
    expect(cellCommits.every((c) => isAncestor(commits, c, blamed))).toBe(true);
  }
}

afterAll(() => Repo.close());

/**
 * Found by CI (seed 892265043): side branches off main after main's commit, and the merge hands
 * copies of one row to main's commit down two lines. Each line's copies are the first n there;
 * summing them blamed main's commit for two copies when it added one.
 */
const KEYLESS_CROSSING: Round[] = [
  {
    main: [
      {
        author: 0,
        minutes: 0,
        edits: [
          { id: 1, what: 'insert', value: 0 },
          { id: 1, what: 'amount', value: 0 },
        ],
      },
    ],
    side: [{ author: 0, minutes: 0, edits: [{ id: 1, what: 'insert', value: 0 }] }],
    merge: 'main-into-side',
    picks: [0, 2, 0, 2, 1, 0],
    minutes: 0,
    refresh: false,
  },
];

describe('blame: properties on random histories with merges', () => {
  it('blame: keyed rows and cells agree with a naive reference walk, and each blamed commit changed the row on an unchanged path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 1, maxLength: 3 }), (rounds) => withRepo((repo) => checkKeyed(repo, rounds))),
      { numRuns: 20 },
    );
  }, 300_000);

  it('blame: long linear histories, where change chunks pile up and get folded, agree with the reference', async () => {
    const linear = fc
      .array(commitArb, { minLength: 9, maxLength: 14 })
      .map((main): Round[] => [{ main, side: [], merge: 'none', picks: [0, 0, 0, 0, 0, 0], minutes: 0, refresh: false }]);
    await fc.assert(
      fc.asyncProperty(linear, (rounds) => withRepo((repo) => checkKeyed(repo, rounds))),
      { numRuns: 6 },
    );
  }, 300_000);

  it('blame: keyless rows are blamed copy by copy as the reference says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 1, maxLength: 3 }), (steps) =>
        withRepo(async (repo) => {
          const commits = await playHistory(repo, steps, true);
          const head = (await repo.ctx.git.resolveRef('HEAD'))!;
          const got = (await collect(await repo.blame({ ref: 'orders@HEAD' }))).map((r) => `${JSON.stringify(r.key)} ${r.commit}`).sort();
          const want: string[] = [];
          const distinct = new Map<string, { row: Row; n: number }>();
          for (const r of commits.get(head)!.table) {
            const k = JSON.stringify(r);
            distinct.set(k, { row: r, n: (distinct.get(k)?.n ?? 0) + 1 });
          }
          for (const { row, n } of distinct.values()) {
            for (const c of referenceKeyless(commits, head, row, n))
              want.push(`${JSON.stringify({ id: row.id, amount: row.amount, status: row.status })} ${c}`);
          }
          expect(got).toEqual(want.sort());
        }),
      ),
      { numRuns: 12, examples: [[KEYLESS_CROSSING]] },
    );
  }, 300_000);
});
