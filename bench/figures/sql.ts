import path from 'node:path';
import { quoteLiteral } from '../../src/engine/quote.js';
import { timedRecord, type Bench, type Emit, type FigureModule } from '../context.js';
import type { History } from '../history.js';
import { duckdb, git, lakegit, paired } from '../proc.js';

const GOAL = 1.3;
const QUERY = 'SELECT count(*), sum(amount) FROM ';

/**
 * Issue 8: a scan of an old revision through `lakegit sql` (its chunks read in place, change chunks
 * applied on read) against DuckDB alone reading one plain Parquet copy of the same rows. The chunk
 * layout must not cost scans: goal <= 1.3x.
 */
export const sql: FigureModule = {
  name: 'sql',
  figures: () => ['sql-scan'],
  async run(bench, want, emit) {
    if (!want('sql-scan')) return;
    const h = await bench.history(bench.opts.patterns[0], bench.opts.commits, bench.opts.changes, true);
    await scanFigure(bench, h, emit);
  },
};

async function scanFigure(bench: Bench, h: History, emit: Emit): Promise<void> {
  const rev = `HEAD~${Math.min(5, h.commits)}`;
  const dir = await bench.dir('sql');
  const copy = path.join(dir, 'orders.parquet');
  await lakegit(h.lake, ['export', `orders@${rev}`, copy]);
  const [lg, base] = await paired(
    bench.opts.runs,
    () => lakegit(h.lake, ['sql', `${QUERY}orders@${rev}`]),
    () => duckdb(dir, `${QUERY}read_parquet(${quoteLiteral(copy)})`),
  );
  const m = JSON.parse((await git(h.lake, ['--git-dir', '.lakegit', 'show', `${rev}:tables/orders.json`])).stdout) as {
    chunks: unknown[];
    deltas: unknown[];
  };
  emit(
    timedRecord(bench, {
      figure: 'sql-scan',
      lg,
      base,
      baseline: `DuckDB alone: the same query over one plain Parquet copy of orders@${rev}`,
      goal: `<= ${GOAL}x`,
      limit: GOAL,
      pattern: h.pattern,
      note: `lakegit sql "${QUERY}orders@${rev}": ${m.chunks.length} base and ${m.deltas.length} change chunks read in place`,
    }),
  );
}
