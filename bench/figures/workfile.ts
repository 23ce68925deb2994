import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { quoteLiteral } from '../../src/engine/quote.js';
import { timedRecord, type Bench, type FigureModule, type FigureRecord } from '../context.js';
import { fileState, sameFile } from '../fsstat.js';
import { branchOff, changesOnHead, type History } from '../history.js';
import { duckdb, lakegit, paired } from '../proc.js';
import { settle, stagingIndex } from '../worktree.js';

const K = 100;
const GOAL = 0.5;
const BRANCH = 'workfile-100';
const REVERTS = 'workfile-revert';

/**
 * Issue 15, "write what changed": `checkout` of a revision 100 rows apart and `revert HEAD` of a
 * 100-row commit, each with the working CSV updated, against DuckDB writing the table as CSV once
 * (from a Parquet copy, in the same run). Both are timed after a `status` has recorded a trusted
 * stat, as when a user works a while before switching; each run checks that orders.csv changed,
 * that status is clean and whether the file was patched (the index keeps its line index).
 */
export const workfile: FigureModule = {
  name: 'workfile',
  figures: () => ['revert-100-csv', 'checkout-100'],
  async run(bench, want, emit) {
    if (!want('revert-100-csv') && !want('checkout-100')) return;
    const h = await bench.history(bench.opts.patterns[0], 0, bench.opts.changes, true);
    const dir = await bench.dir('workfile');
    const main = path.join(dir, 'main.parquet');
    await bench.gen.csvToParquet(path.join(h.lake, 'orders.csv'), main);
    const { table } = await branchOff(bench, h, BRANCH, [{ changes: await changesOnHead(bench, h, K) }]);
    await bench.gen.dropTable(table);
    const out = path.join(dir, 'baseline.csv');
    const baseline = () =>
      duckdb(h.lake, `COPY (SELECT * FROM read_parquet(${quoteLiteral(main)})) TO ${quoteLiteral(out)} (FORMAT csv, HEADER true)`);
    try {
      if (want('checkout-100'))
        emit(await timed(bench, h, 'checkout-100', (i) => ['checkout', '-q', i % 2 === 0 ? BRANCH : 'main'], baseline));
      if (want('revert-100-csv')) {
        await lakegit(h.lake, ['checkout', '-q', '-b', REVERTS, BRANCH]);
        emit(await timed(bench, h, 'revert-100-csv', () => ['revert', 'HEAD'], baseline));
      }
    } finally {
      await lakegit(h.lake, ['checkout', '-q', '--force', 'main']);
      for (const b of [BRANCH, REVERTS]) await lakegit(h.lake, ['branch', '-q', '-D', b], {}, true);
      await fsp.rm(out, { force: true });
    }
  },
};

async function timed(
  bench: Bench,
  h: History,
  figure: string,
  args: (run: number) => string[],
  baseline: () => ReturnType<typeof duckdb>,
): Promise<FigureRecord> {
  const orders = path.join(h.lake, 'orders.csv');
  const problems: string[] = [];
  let patched = 0;
  const [lg, base] = await paired(
    2 * bench.opts.runs,
    async (i) => {
      problems.push(...(await settle(h.lake)));
      const before = await fileState(orders);
      const r = await lakegit(h.lake, args(i));
      if (sameFile(before, await fileState(orders))) problems.push(`run ${i + 1} left orders.csv as it was`);
      const index = await stagingIndex(h.lake);
      if (index.tables.orders?.lines) patched++;
      const status = await lakegit(h.lake, ['status']);
      if (!status.stdout.includes('nothing to commit'))
        problems.push(`run ${i + 1}: status not clean: ${status.stdout.trim().slice(0, 80)}`);
      return r;
    },
    baseline,
  );
  return timedRecord(bench, {
    figure,
    lg,
    base,
    baseline: 'duckdb: write the table as csv once (from parquet)',
    goal: `<= ${GOAL}x`,
    limit: GOAL,
    problems,
    pattern: h.pattern,
    note:
      `${args(0).join(' ')} (${K} rows apart), timed after a status recorded a trusted stat; the working csv was patched in ${patched}` +
      ` of ${lg.all.length} runs`,
  });
}
