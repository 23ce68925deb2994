import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
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
import { expectRecordsMatchOracle } from './stats-oracle.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

// issue 15, helper revert5: a revert of HEAD (and of a commit whose table nothing touched since) and a
// cherry-pick onto the picked commit's parent take the picked commit's recorded counts (turned round
// for a revert) instead of counting rows again. Every commit's record must still be the full-join
// diff of its table against its first parent's, computed here in plain DuckDB SQL from the two whole
// snapshots, including across a column added or dropped (a new or dropped column counts where it
// is not NULL, as `diff` counts it).

Object.assign(process.env, TEST_ENV);
afterAll(() => Repo.close());

const RUNS = Number(process.env.PICK_STATS_RUNS ?? 8);
const SEED = Number(process.env.PICK_STATS_SEED ?? 150515);
const cases = { commits: 0, reverts: 0, picks: 0, widened: 0 };

type Kind = 'commit' | 'widen' | 'revert-head' | 'revert-older' | 'pick-parent' | 'pick-moved';
const stepArb = fc.record({
  kind: fc.constantFrom<Kind>('commit', 'widen', 'revert-head', 'revert-head', 'revert-older', 'pick-parent', 'pick-moved'),
  edits: editsArb,
  more: editsArb,
});

/** A column a `widen` step adds (a plain user name; `commit` drops it again). */
const EXTRA = 'extra col';

/** Commit the rows with one more column, `EXTRA` (NULL on some rows). */
async function commitWidened(x: Sandbox, s: Schema, rows: Row[], message: string): Promise<void> {
  const tmp = `${x.file}.tmp.parquet`;
  const widened = `SELECT *, CASE WHEN ${quoteIdent(s.cols[0].name)} IS NULL OR hash(${quoteIdent(s.cols[0].name)}) % 3 = 0 THEN NULL ELSE 'w' END AS ${quoteIdent(EXTRA)} FROM (${relation(s, rows)})`;
  await x.engine.run(`COPY (${widened}) TO ${quoteLiteral(tmp)} (FORMAT parquet)`);
  await fsp.rename(tmp, x.file);
  await x.repo.commit({ message, all: true, allowEmpty: true });
}

const tolerate = (e: unknown) => {
  if (!/changes nothing|nothing to commit/.test((e as Error).message)) throw e;
};

/** One step on main; `model` is the rows the next plain commit starts from. */
async function step(x: Sandbox, s: Schema, model: Row[], st: { kind: Kind; edits: Edit[]; more: Edit[] }, i: number): Promise<Row[]> {
  const side = async (rows: Row[]) => {
    await x.repo.checkout({ target: 'HEAD', create: `side${i}` });
    const oid = await x.commit(rows, `side ${i}`);
    await x.repo.checkout({ target: 'main' });
    return oid;
  };
  const next = applyEdits(s, model, st.edits);
  switch (st.kind) {
    case 'commit':
      await x.commit(next, `commit ${i}`);
      return next;
    case 'widen':
      cases.widened++;
      await commitWidened(x, s, next, `widen ${i}`);
      return next;
    case 'revert-head':
    case 'revert-older':
      cases.reverts++;
      await x.repo.revert({ rev: st.kind === 'revert-head' ? 'HEAD' : 'HEAD~1', strategy: 'theirs' }).catch((e) => {
        if (!/changes nothing|no commits|unknown revision|not a commit|HEAD~1/.test((e as Error).message)) throw e;
      });
      return model;
    case 'pick-parent':
    case 'pick-moved': {
      cases.picks++;
      const picked = await side(next);
      if (st.kind === 'pick-moved') await x.commit(applyEdits(s, model, st.more), `moved ${i}`);
      await x.repo.cherryPick({ rev: picked, strategy: 'theirs' }).catch(tolerate);
      return model;
    }
  }
}

describe('reverts and cherry-picks that reuse the picked commit’s counts record the full-join diff', () => {
  it(
    'random histories of commits, added and dropped columns, reverts of HEAD and HEAD~1, picks onto the parent and onto a moved branch',
    async () => {
      await fc.assert(
        fc.asyncProperty(schemaArb, rowsArb, fc.array(stepArb, { minLength: 2, maxLength: 5 }), async (s, rows, steps) => {
          await withSandbox(s, baseRows(s, rows), async (x) => {
            let model = baseRows(s, rows);
            for (const [i, st] of steps.entries()) model = await step(x, s, model, st, i);
            cases.commits += await expectRecordsMatchOracle(x, s);
          });
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(cases.reverts).toBeGreaterThan(0);
    },
    60_000 + RUNS * 20_000,
  );

  it('a cherry-pick whose two sides dropped the same column (a binder error before)', async () => {
    const s: Schema = {
      kind: 'keyed',
      key: ['k'],
      cols: [
        { name: 'k', type: 'INTEGER', values: ['1', '2', '3'] },
        { name: 'v', type: 'VARCHAR', values: ["'a'", "'b'", "'c'"] },
      ],
    };
    const rows: Row[] = [
      [0, 0],
      [1, 1],
      [2, 2],
    ];
    await withSandbox(s, [], async (x) => {
      await commitWidened(x, s, rows, 'with the extra column');
      await x.repo.checkout({ target: 'HEAD', create: 'side' });
      const picked = await x.commit(
        [
          [0, 0],
          [1, 2],
          [2, 2],
        ],
        'side: drop it, change 2',
      );
      await x.repo.checkout({ target: 'main' });
      await x.commit(
        [
          [0, 1],
          [1, 1],
          [2, 2],
        ],
        'main: drop it, change 1',
      );
      const r = await x.repo.cherryPick({ rev: picked });
      expect([r.status, r.conflicts]).toEqual(['merged', []]);
      const got = await x.engine.all(`SELECT k::VARCHAR AS k, v FROM (${await x.committed()}) ORDER BY k`);
      expect(got).toEqual([
        { k: '1', v: 'b' },
        { k: '2', v: 'c' },
        { k: '3', v: 'c' },
      ]);
    });
  });

  afterAll(() => console.log(`pick-stats oracle (seed ${SEED}): ${JSON.stringify(cases)}`));
});
