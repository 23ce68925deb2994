import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { recordedChanges } from '../../src/ops/change-stats.js';
import type { RowCounts } from '../../src/ops/diff/rowdiff.js';
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

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
/** A column a `widen` step adds (a plain user name; `commit` drops it again). */
const EXTRA = 'extra col';

/** The table at a commit as a Parquet file lakegit's `sql` wrote (none where the table is absent). */
async function tableAt(x: Sandbox, oid: string | undefined): Promise<string | undefined> {
  if (!oid || !(await readTableTree(x.repo.ctx, oid)).tables.has('t')) return undefined;
  const out = `${x.dir}/at-${oid}.parquet`;
  await x.repo.sql(`SELECT * FROM t@${oid}`, { output: out });
  return out;
}

/** Columns of a Parquet file, in order. */
async function columnsOf(x: Sandbox, file: string): Promise<string[]> {
  return (await x.engine.all(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`)).map((r) => String(r.column_name));
}

/** The full-join diff's counts of two whole snapshots over the union of their columns (a missing column is NULL). */
async function oracleCounts(x: Sandbox, s: Schema, beforeFile?: string, afterFile?: string): Promise<RowCounts> {
  const [bc, ac] = [beforeFile ? await columnsOf(x, beforeFile) : [], afterFile ? await columnsOf(x, afterFile) : []];
  const all = [...new Set([...bc, ...ac])];
  const side = (file: string | undefined, have: string[], flag: string) =>
    file
      ? `SELECT ${all.map((c) => (have.includes(c) ? q(c) : `NULL AS ${q(c)}`)).join(', ')}, 1 AS ${flag} FROM read_parquet(${lit(file)})`
      : `SELECT ${all.map((c) => `NULL AS ${q(c)}`).join(', ')}, 1 AS ${flag} WHERE false`;
  const [b, a] = [side(beforeFile, bc, 'nb'), side(afterFile, ac, 'na')];
  const cs = all.map(q).join(', ');
  if (s.kind === 'keyless') {
    const [r] = await x.engine.all(
      `SELECT coalesce(sum(greatest(na - nb, 0)), 0)::BIGINT AS added, coalesce(sum(greatest(nb - na, 0)), 0)::BIGINT AS removed
       FROM (SELECT ${cs}, sum(nb) AS nb, sum(na) AS na FROM (SELECT *, 0 AS na FROM (${b}) UNION ALL BY NAME SELECT *, 0 AS nb FROM (${a})) GROUP BY ${cs})`,
    );
    return { added: Number(r.added), removed: Number(r.removed), modified: 0 };
  }
  const on = s.key.map((k) => `b.${q(k)} = a.${q(k)}`).join(' AND ');
  const differs = all.map((c) => `b.${q(c)} IS DISTINCT FROM a.${q(c)}`).join(' OR ');
  const [r] = await x.engine.all(
    `SELECT count(*) FILTER (WHERE b.nb IS NULL) AS added, count(*) FILTER (WHERE a.na IS NULL) AS removed,
            count(*) FILTER (WHERE b.nb IS NOT NULL AND a.na IS NOT NULL AND (${differs})) AS modified
     FROM (${b}) b FULL OUTER JOIN (${a}) a ON ${on}`,
  );
  return { added: Number(r.added), removed: Number(r.removed), modified: Number(r.modified) };
}

/** Commit the rows with one more column, `EXTRA` (NULL on some rows). */
async function commitWidened(x: Sandbox, s: Schema, rows: Row[], message: string): Promise<void> {
  const tmp = `${x.file}.tmp.parquet`;
  const widened = `SELECT *, CASE WHEN ${q(s.cols[0].name)} IS NULL OR hash(${q(s.cols[0].name)}) % 3 = 0 THEN NULL ELSE 'w' END AS ${q(EXTRA)} FROM (${relation(s, rows)})`;
  await x.engine.run(`COPY (${widened}) TO ${lit(tmp)} (FORMAT parquet)`);
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

/** Every commit the branches reach. */
async function allCommits(x: Sandbox): Promise<string[]> {
  const seen = new Set<string>();
  for (const queue = (await x.repo.log({ all: true })).map((e) => e.commit); queue.length;) {
    const oid = queue.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    queue.push(...(await x.repo.ctx.git.readCommit(oid)).parents);
  }
  return [...seen];
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
            const ctx = x.repo.ctx;
            for (const oid of await allCommits(x)) {
              cases.commits++;
              const c = await ctx.git.readCommit(oid);
              const [parentTree, tree] = [await readTableTree(ctx, c.parents[0]), await readTableTree(ctx, oid)];
              const recorded = await recordedChanges(ctx, c, parentTree, tree);
              expect(recorded, `commit ${c.message.trim()} has no usable record`).toBeDefined();
              const expected =
                tree.tables.get('t') === parentTree.tables.get('t')
                  ? undefined
                  : await oracleCounts(x, s, await tableAt(x, c.parents[0]), await tableAt(x, oid));
              expect(recorded!.get('t'), `commit '${c.message.trim()}'`).toEqual(expected);
            }
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
