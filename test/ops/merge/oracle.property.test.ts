import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/db.js';
import { Repo } from '../../../src/repo.js';
import { TEST_ENV } from '../../helpers.js';
import {
  applyEdits,
  baseRows,
  conflictSet,
  editsArb,
  oracleMerge,
  relation,
  rowsArb,
  schemaArb,
  snapshot,
  tableDiff,
  withSandbox,
  type OracleMerge,
  type Sandbox,
  type Schema,
} from './oracle-fixture.js';

Object.assign(process.env, TEST_ENV);
afterAll(() => Repo.close());
// This file's DuckDB on one thread (afterAll closes it). Its tables are a few rows, one chunk each:
// DuckDB has nothing to split between threads, and a chunk write uses one connection (chunker.ts:
// lanes = min(threads, chunks) = 1), so no code path changes.
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

const RUNS = Number(process.env.MERGE_ORACLE_RUNS ?? 6);
const TIMEOUT = 60_000 + RUNS * 15_000;
// For a hand-run mutation check: report the first failing case without shrinking it.
const QUICK = { endOnFailure: !!process.env.MERGE_ORACLE_NOSHRINK };
const SEED = Number(process.env.MERGE_ORACLE_SEED ?? 20261206);
const cases = { merge: 0, pick: 0, conflicted: 0, refused: 0, keyless: 0 };

type Op = (strategy?: 'ours' | 'theirs') => Promise<{ status: string; conflicts: unknown[]; settled: number }>;

/**
 * Run one three-way operation and hold it to the oracle: the conflict set; the working file with
 * conflicts showing ours; after --abort, the same operation with --strategy theirs. Returns the
 * oracle table HEAD now holds (or undefined if lakegit refused an operation that changes nothing).
 */
async function holdsOracle(
  x: Sandbox,
  expected: OracleMerge,
  run: Op,
  abort: () => Promise<unknown>,
  ours: string,
): Promise<string | undefined> {
  let r;
  try {
    r = await run();
  } catch (e) {
    // revert/cherry-pick refuse a result equal to HEAD: only right when the oracle agrees.
    expect((e as Error).message).toMatch(/changes nothing/);
    cases.refused++;
    expect(expected.conflicts).toEqual([]);
    expect(await tableDiff(x.engine, expected.ours, `SELECT * FROM "${ours}"`)).toEqual([]);
    return undefined;
  }
  expect(conflictSet(r.conflicts as never[])).toEqual(conflictSet(expected.conflicts));
  expect(await tableDiff(x.engine, expected.ours, x.working())).toEqual([]);
  if (!r.conflicts.length) {
    expect(await tableDiff(x.engine, expected.ours, await x.committed())).toEqual([]);
    return expected.ours;
  }
  expect(r.status).toBe('conflicts');
  cases.conflicted++;
  await abort();
  const settled = await run('theirs');
  expect(settled.settled).toBe(expected.conflicts.length);
  expect(await tableDiff(x.engine, expected.theirs, x.working())).toEqual([]);
  expect(await tableDiff(x.engine, expected.theirs, await x.committed())).toEqual([]);
  return expected.theirs;
}

const asTable = async (x: Sandbox, s: Schema, rows: number[][]) => snapshot(x.engine, relation(s, rows));

describe('merge: lakegit equals the three-way merge computed from whole snapshots in SQL', () => {
  it(
    'merge: two and then three branches, keyed, composite-keyed and keyless, with odd names and wide values',
    async () => {
      await fc.assert(
        fc.asyncProperty(schemaArb, rowsArb, editsArb, editsArb, editsArb, fc.nat(3), async (s, rows, eo, etOwn, e3, mirror) => {
          cases.merge++;
          if (s.kind === 'keyless') cases.keyless++;
          // Theirs sometimes makes ours' change too (alone or with more): same changes are where keyless and keyed differ.
          const et = mirror === 0 ? eo : mirror === 1 ? [...eo, ...etOwn] : etOwn;
          const base = baseRows(s, rows);
          const [ours, theirs, third] = [applyEdits(s, base, eo), applyEdits(s, base, et), applyEdits(s, base, e3)];
          await withSandbox(s, base, async (x) => {
            await x.repo.checkout({ target: 'HEAD', create: 'fix' });
            await x.commit(theirs, 'theirs');
            await x.repo.checkout({ target: 'main' });
            await x.repo.checkout({ target: 'HEAD', create: 'other' });
            await x.commit(third, 'third');
            await x.repo.checkout({ target: 'main' });
            await x.commit(ours, 'ours');
            const [b, o, t, th] = [
              await asTable(x, s, base),
              await asTable(x, s, ours),
              await asTable(x, s, theirs),
              await asTable(x, s, third),
            ];
            const first = await oracleMerge(x.engine, s, b, o, t);
            const merged = (await holdsOracle(
              x,
              first,
              (strategy) => x.repo.merge({ source: 'fix', strategy }),
              () => x.repo.mergeAbort(),
              o,
            ))!;
            // The third branch grew from the same base; ours is now the first merge's result.
            const second = await oracleMerge(x.engine, s, b, merged, th);
            await holdsOracle(
              x,
              second,
              (strategy) => x.repo.merge({ source: 'other', strategy }),
              () => x.repo.mergeAbort(),
              merged,
            );
          });
        }),
        { numRuns: RUNS, seed: SEED, ...QUICK },
      );
    },
    TIMEOUT,
  );

  it(
    'merge: revert of C on HEAD is the three-way merge with base C and theirs C^; cherry-pick of X is base X^, theirs X',
    async () => {
      await fc.assert(
        fc.asyncProperty(schemaArb, rowsArb, editsArb, editsArb, editsArb, fc.nat(3), async (s, rows, e1, e2, exOwn, mirror) => {
          cases.pick++;
          if (s.kind === 'keyless') cases.keyless++;
          // X sometimes is C1's change again: picking a change HEAD already has.
          const ex = mirror === 0 ? e1 : exOwn;
          const base = baseRows(s, rows);
          const c1 = applyEdits(s, base, e1);
          const c2 = applyEdits(s, c1, e2);
          const picked = applyEdits(s, base, ex);
          await withSandbox(s, base, async (x) => {
            await x.repo.checkout({ target: 'HEAD', create: 'fix' });
            const xOid = await x.commit(picked, 'x');
            await x.repo.checkout({ target: 'main' });
            const c1Oid = await x.commit(c1, 'c1');
            await x.commit(c2, 'c2');
            const [b, t1, t2, tx] = [
              await asTable(x, s, base),
              await asTable(x, s, c1),
              await asTable(x, s, c2),
              await asTable(x, s, picked),
            ];
            const reverted = await oracleMerge(x.engine, s, t1, t2, b);
            const head =
              (await holdsOracle(
                x,
                reverted,
                (strategy) => x.repo.revert({ rev: c1Oid, strategy }),
                () => x.repo.mergeAbort({ kind: 'revert' }),
                t2,
              )) ?? t2;
            const cherry = await oracleMerge(x.engine, s, b, head, tx);
            await holdsOracle(
              x,
              cherry,
              (strategy) => x.repo.cherryPick({ rev: xOid, strategy }),
              () => x.repo.mergeAbort({ kind: 'cherry-pick' }),
              head,
            );
          });
        }),
        { numRuns: RUNS, seed: SEED + 1, ...QUICK },
      );
    },
    TIMEOUT,
  );

  afterAll(() => console.log(`merge oracle (seed ${SEED}): ${JSON.stringify(cases)}`));
});
