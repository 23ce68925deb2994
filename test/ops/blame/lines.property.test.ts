import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/db.js';
import { writeBlame } from '../../../src/cli/render/blame.js';
import type { BlameResult, BlameRow } from '../../../src/ops/blame/index.js';
import { Repo } from '../../../src/repo.js';
import { Oracle } from './blame-oracle.js';
import { keyColumns, playHistory, shapeArb, withRepo, type Shape, type Step } from './history-model.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

/**
 * Row blame down long lines of plain commits (chain.ts: a line of commits settled in one join)
 * and its column-wise output (row-commits.ts), against the whole-snapshot oracle. Histories are
 * straight (one branch), long enough that change chunks pile up past the fold into one (8), with
 * value types that change and come back (a line stops there), for all columns and for one.
 */

/** Cases the property runs (the report quotes it); the seed is fixed so a failure replays. */
export const LINE_RUNS = 4;
const SEED = 15_005;

const editArb = fc.record({
  row: fc.integer({ min: 0, max: 5 }),
  col: fc.integer({ min: 0, max: 2 }),
  v: fc.integer({ min: 0, max: 5 }),
  what: fc.constantFrom('set', 'set', 'set', 'insert', 'delete') as fc.Arbitrary<'set' | 'insert' | 'delete'>,
});
const commitArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('commit' as const),
  branch: fc.constant(0),
  author: fc.integer({ min: 0, max: 2 }),
  minutes: fc.integer({ min: 0, max: 2 }),
  edits: fc.array(editArb, { minLength: 1, maxLength: 2 }),
});
const lineArb = fc.record({
  shape: shapeArb.filter((s) => s.key !== 'keyless'),
  steps: fc.array(commitArb, { minLength: 9, maxLength: 10 }),
});

async function collect(r: BlameResult): Promise<BlameRow[]> {
  const out: BlameRow[] = [];
  for await (const batch of r.rows) out.push(...batch);
  return out;
}

/** The table format as the CLI prints it, column-wise (or, with `rowWise`, from row objects). */
async function table(r: BlameResult, rowWise: boolean): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeBlame(rowWise ? { ...r, rowCommits: () => undefined } : r, 'table', out, 100);
  return Buffer.concat(chunks).toString('utf8');
}

async function checkLine(shape: Shape, steps: Step[]): Promise<void> {
  await withRepo(async (repo) => {
    const { commits, head } = await playHistory(repo, shape, steps);
    const oracle = await Oracle.load(repo, commits, head);
    try {
      const columns = shape.columns.map((c) => c.name);
      const keys = (await oracle.headRows()).map((r) => r.key);
      for (const tracked of [columns, columns.slice(0, 1)]) {
        const want = (await oracle.keyedBlame(tracked)).map((w) => w.row);
        const opts = { ref: 'orders@HEAD', columns: tracked };
        const rows = await collect(await repo.blame(opts));
        expect(rows.map((r) => r.key)).toEqual(keys);
        expect(rows.map((r) => r.commit)).toEqual(want);
        const byColumns: unknown[] = [];
        const r = await repo.blame(opts);
        for await (const { keys: k, commits: c } of r.rowCommits()!)
          c.forEach((o, i) => byColumns.push([k.map((v) => v[i]), r.commits[o].commit]));
        expect(byColumns).toEqual(rows.map((x) => [keyColumns(shape).map((c) => x.key[c]), x.commit]));
        if (tracked === columns) expect(await table(await repo.blame(opts), false)).toEqual(await table(await repo.blame(opts), true));
      }
    } finally {
      await oracle.drop();
    }
  });
}

afterAll(() => Repo.close());

describe('blame: lines of plain commits at once, against whole-snapshot oracles', () => {
  it('row blame on long straight histories (all columns, and one) equals the brute-force walk; the column-wise table equals the row-wise one', async () => {
    await fc.assert(
      fc.asyncProperty(lineArb, ({ shape, steps }) => checkLine(shape, steps)),
      { numRuns: LINE_RUNS, seed: SEED },
    );
  }, 600_000);
});
