import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { recordedChanges } from '../../src/ops/change-stats.js';
import { readTableTree } from '../../src/ops/tree.js';
import { Repo } from '../../src/repo.js';
import { TEST_ENV } from '../helpers.js';
import {
  applyEdits,
  baseRows,
  editsArb,
  relation,
  rowsArb,
  schemaArb,
  withSandbox,
  type Edit,
  type Row,
  type Sandbox,
  type Schema,
} from './merge/oracle-fixture.js';
import { commitsReached, expectRecordsMatchOracle, oracleCounts, tableFileAt } from './stats-oracle.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

// issue 15: every verb that writes a commit (commit, commit --amend, merge, merge --squash, revert,
// cherry-pick, stash) records the commit's own change counts in its tree, and they are the counts of
// the full-join diff of the commit's table against its first parent's, computed here in plain DuckDB
// SQL from the two whole snapshots (keyed: a full outer join on the key; keyless: multisets).

Object.assign(process.env, TEST_ENV);
afterAll(() => Repo.close());

const RUNS = Number(process.env.STATS_ORACLE_RUNS ?? 6);
const SEED = Number(process.env.STATS_ORACLE_SEED ?? 1515);
const cases = { commits: 0, merges: 0, keyless: 0, rowMerges: 0 };

type Kind = 'commit' | 'amend' | 'merge' | 'squash' | 'revert' | 'pick' | 'stash';
type StepT = { kind: Kind; ours: Edit[]; theirs: Edit[] };
const stepArb: fc.Arbitrary<StepT> = fc.record({
  kind: fc.constantFrom<Kind>('commit', 'amend', 'merge', 'squash', 'revert', 'pick', 'stash'),
  ours: editsArb,
  theirs: editsArb,
});

/** Write the working file without committing (amend and stash take it from there). */
async function writeRows(x: Sandbox, s: Schema, rows: Row[]): Promise<void> {
  const tmp = `${x.file}.tmp.parquet`;
  await x.engine.run(`COPY (${relation(s, rows)}) TO '${tmp.replaceAll("'", "''")}' (FORMAT parquet)`);
  await fsp.rename(tmp, x.file);
}

/** Run one step of the history; `model` is the rows main's next plain commit starts from. */
async function step(x: Sandbox, s: Schema, model: Row[], st: StepT, i: number): Promise<Row[]> {
  const ours = applyEdits(s, model, st.ours);
  const theirs = applyEdits(s, model, st.theirs);
  const side = async () => {
    await x.repo.checkout({ target: 'HEAD', create: `side${i}` });
    const oid = await x.commit(theirs, `theirs ${i}`);
    await x.repo.checkout({ target: 'main' });
    return oid;
  };
  const tolerate = (e: unknown) => {
    if (!/changes nothing|nothing to commit/.test((e as Error).message)) throw e;
  };
  switch (st.kind) {
    case 'commit':
      await x.commit(ours, `ours ${i}`);
      break;
    case 'amend':
      await writeRows(x, s, ours);
      await x.repo.commit({ message: '', amend: true, all: true });
      break;
    case 'merge':
    case 'squash': {
      await side();
      await x.commit(ours, `ours ${i}`);
      const r = await x.repo.merge({ source: `side${i}`, strategy: 'theirs', squash: st.kind === 'squash' });
      if (st.kind === 'squash') await x.repo.commit({ message: `squash ${i}`, allowEmpty: true }).catch(tolerate);
      else expect(r.status).not.toBe('conflicts');
      cases.merges++;
      break;
    }
    case 'revert':
      await x.commit(ours, `ours ${i}`);
      await x.repo.revert({ rev: 'HEAD~1', strategy: 'theirs' }).catch(tolerate);
      break;
    case 'pick': {
      const picked = await side();
      await x.repo.cherryPick({ rev: picked, strategy: 'theirs' }).catch(tolerate);
      break;
    }
    case 'stash':
      await writeRows(x, s, ours);
      await x.repo.stash(`stash ${i}`);
      return model;
  }
  return ours;
}

describe('change counts recorded in commits equal the full-join diff against the first parent', () => {
  it(
    'random histories of commit, amend, merge, merge --squash, revert, cherry-pick and stash; keyed, composite and keyless',
    async () => {
      await fc.assert(
        fc.asyncProperty(schemaArb, rowsArb, fc.array(stepArb, { minLength: 1, maxLength: 4 }), async (s, rows, steps) => {
          if (s.kind === 'keyless') cases.keyless++;
          await withSandbox(s, baseRows(s, rows), async (x) => {
            let model = baseRows(s, rows);
            for (const [i, st] of steps.entries()) model = await step(x, s, model, st, i);
            cases.commits += await expectRecordsMatchOracle(
              x,
              s,
              (await x.repo.stashList()).map((e) => e.commit),
            );
          });
        }),
        { numRuns: RUNS, seed: SEED },
      );
    },
    60_000 + RUNS * 20_000,
  );

  // A three-way merge of a keyed table hands the commit the counts of the rows it changed
  // (TableOutcome.recorded) instead of counting again: those counts against the oracle's.
  it(
    'merges, reverts and cherry-picks of keyed tables changed on both sides record the row merge counts',
    async () => {
      const threeWay = fc.record({ kind: fc.constantFrom<Kind>('merge', 'revert', 'pick'), ours: editsArb, theirs: editsArb });
      await fc.assert(
        fc.asyncProperty(
          schemaArb.filter((s) => s.kind !== 'keyless'),
          rowsArb,
          fc.array(threeWay, { minLength: 1, maxLength: 3 }),
          async (s, rows, steps) => {
            await withSandbox(s, baseRows(s, rows), async (x) => {
              let model = baseRows(s, rows);
              for (const [i, st] of steps.entries()) model = await step(x, s, model, st, i);
              const ctx = x.repo.ctx;
              for (const oid of await commitsReached(
                x,
                (await x.repo.stashList()).map((e) => e.commit),
              )) {
                const c = await ctx.git.readCommit(oid);
                const [parentTree, tree] = [await readTableTree(ctx, c.parents[0]), await readTableTree(ctx, oid)];
                if (tree.tables.get('t') === parentTree.tables.get('t')) continue;
                cases.rowMerges += c.parents.length > 1 || /^Revert|cherry/i.test(c.message) ? 1 : 0;
                const recorded = await recordedChanges(ctx, c, parentTree, tree);
                const expected = await oracleCounts(x, s, await tableFileAt(x, c.parents[0]), await tableFileAt(x, oid));
                expect(recorded?.get('t'), `commit '${c.message.trim()}'`).toEqual(expected);
              }
            });
          },
        ),
        { numRuns: RUNS, seed: SEED + 1 },
      );
      expect(cases.rowMerges).toBeGreaterThan(0);
    },
    60_000 + RUNS * 20_000,
  );

  afterAll(() => console.log(`change-stats oracle (seed ${SEED}): ${JSON.stringify(cases)}`));
});
