import type { JsonRow } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { UnknownColumn } from '../../errors.js';
import { lineApplies } from './chain.js';
import { ARRIVALS, BlameRun, CELL, COPIES, H, ORD, P, TOTAL, type BlameSpec, type CellSpec, type CommitMeta } from './run.js';
import { blameStart, filterError, type BlameStart } from './start.js';
import { blameWholeLine } from './whole-line.js';
import { rowCommits, type RowCommits } from './row-commits.js';
import { walk } from './walk.js';
import type { RepoContext } from '../context.js';
import { parseTableRef } from '../revisions.js';

export interface BlameOptions {
  /** `orders` (the working tree's version) or `orders@rev`. */
  ref: string;
  /** A DuckDB boolean expression over the table's columns: only those rows are blamed. */
  where?: string;
  /** Values `where` binds as `$1`, `$2`…, for a caller that builds it around values (a user's `--where` has none). */
  whereParams?: (string | null)[];
  /** The columns whose changes count (default: every non-key column); with `cells`, the columns blamed one by one. */
  columns?: string[];
  cells?: boolean;
  onProgress?: (label: string, done: number, total: number, unit?: string) => void;
}

export interface BlameCell {
  commit: string;
  author: string;
  date: string;
}
export interface BlameRow extends CommitMeta {
  key: JsonRow;
  cells?: Record<string, BlameCell>;
}

export interface BlameResult {
  table: string;
  rev: string;
  key: string[] | null;
  /** The columns of each row's `key`: the primary key, or every column of a keyless table. */
  identity: string[];
  /** The blamed columns with `cells`, else empty. */
  columns: string[];
  /** Every commit some row is blamed on, newest first. */
  commits: CommitMeta[];
  /**
   * The length of the longest key as text (its columns joined by commas), so a table can align
   * before it streams. Asked only by the table format, and before `rows` is read to the end.
   */
  keyWidth(): Promise<number>;
  /** The rows in key order, in batches; iterating to the end releases the work tables. */
  rows: AsyncGenerator<BlameRow[]>;
  /**
   * Instead of `rows`, for keyed row blame: the same rows column-wise (each key column's values and
   * each row's index into `commits`), or undefined for other blames. Iterating to the end releases the
   * work tables; call it only when `rows` is not read.
   */
  rowCommits(): AsyncGenerator<RowCommits> | undefined;
}

/**
 * `blame`: for each row of a table (or each cell, with `cells`), the newest commit whose change
 * produced it as it is now. The walk goes newest first with a shrinking set of unblamed rows, and
 * at each commit reads only what its manifest does not share with its parent's.
 */
export async function blame(ctx: RepoContext, opts: BlameOptions): Promise<BlameResult> {
  const { table, rev } = parseTableRef(opts.ref);
  const start = await blameStart(ctx, table, rev);
  try {
    const run = new BlameRun(await ctx.engine(), ctx.chunks, specOf(start, opts));
    try {
      if (!(await blameWholeLine(ctx, run, start, opts))) {
        const pending = await initialPending(run, start, opts.where, opts.whereParams);
        await walk(ctx, run, start, { table: pending, name: table }, opts.onProgress);
      }
    } catch (e) {
      await run.dropAll();
      throw e;
    }
    return {
      table,
      rev: start.rev,
      key: start.key,
      identity: run.spec.identity,
      columns: run.spec.labels,
      commits: run.commits,
      keyWidth: () => longestKey(run),
      rows: output(run, !!opts.cells, start),
      rowCommits: () => rowCommits(run, () => release(run, start)),
    };
  } catch (e) {
    await start.release();
    throw e;
  }
}

async function longestKey(run: BlameRun): Promise<number> {
  run.keyWidth ??= Number(await run.engine.value(`SELECT coalesce(max(length(${run.keyText()})), 0) FROM ${run.resultRows()}`));
  return run.keyWidth;
}

function specOf(start: BlameStart, opts: BlameOptions): BlameSpec {
  const names = start.columns.map((c) => c.name);
  for (const c of opts.columns ?? []) {
    if (!names.includes(c))
      throw new UnknownColumn(
        `no column '${c}' in table '${start.table}'`,
        { table: start.table, column: c },
        `columns are: ${names.join(', ')}`,
      );
  }
  const identity = start.key ?? names;
  const tracked = opts.columns ? [...new Set(opts.columns)] : names.filter((n) => start.key === null || !start.key.includes(n));
  // With `cells`, the row itself is blamed too (the last cell), so its commit is row blame's.
  const row: CellSpec = { label: '*', columns: start.key ? tracked : [] };
  const cells: CellSpec[] = opts.cells && tracked.length && start.key ? [...tracked.map((c) => ({ label: c, columns: [c] })), row] : [row];
  const types = new Map(start.columns.map((c) => [c.name, c.type]));
  return { identity, keyless: start.key === null, types, cells, labels: opts.cells ? tracked : [] };
}

/** The rows to blame (narrowed by `where`, a user's SQL fragment by design), all unblamed. */
async function initialPending(run: BlameRun, start: BlameStart, where: string | undefined, params?: (string | null)[]): Promise<string> {
  const pending = run.temp('pending');
  // Row blame hashes rows only where a commit is compared cell by cell, rarely the whole table (chain.ts).
  const lazy = lineApplies(run);
  if (lazy) {
    run.unhashed.add(pending);
    [run.startRows, run.startColumns] = [start.rows, start.columns];
  }
  const filter = where === undefined ? '' : `WHERE (${where})`;
  const select = run.spec.keyless
    ? `SELECT ${run.ids()}, count(*) AS ${quoteIdent(COPIES)}, count(*) AS ${quoteIdent(TOTAL)}, 1::BIGINT AS ${quoteIdent(ARRIVALS)}
       FROM (${start.rows}) ${filter} GROUP BY ALL`
    : `SELECT ${run.ids()}, ${lazy ? run.spec.cells.map((_, i) => `NULL::UBIGINT AS ${quoteIdent(H(i))}`).join(', ') : run.hashes(start.columns)},
       ${run.spec.cells.map((_, i) => `true AS ${quoteIdent(P(i))}`).join(', ')} FROM (${start.rows}) ${filter}`;
  try {
    await run.engine.run(`CREATE TABLE ${quoteIdent(pending)} AS ${select}`, params?.length ? params : undefined);
  } catch (e) {
    throw where === undefined ? e : filterError(where, e);
  }
  const extra = run.spec.keyless ? `${quoteIdent(COPIES)}` : `0::INTEGER AS ${quoteIdent(CELL)}`;
  await run.engine.run(`CREATE TABLE ${quoteIdent(run.results)} AS
    SELECT ${run.ids()}, ${extra}, 0::INTEGER AS ${quoteIdent(ORD)} FROM ${quoteIdent(pending)} WHERE false`);
  return pending;
}

/** Results in key order: the row's commit, and with `cells` each blamed column's commit. */
async function* output(run: BlameRun, cells: boolean, start: BlameStart): AsyncGenerator<BlameRow[]> {
  const { identity, keyless, labels } = run.spec;
  // Keyed cell blame keeps one cell per label, in label order, then the row's; anything else has only the row.
  const perCell = !keyless && run.spec.cells.length > 1;
  const res = run.resultRows();
  const [ord, cell] = [quoteIdent(ORD), quoteIdent(CELL)];
  const cellColumns = (perCell ? labels : []).map((_, i) => `, max(${ord}) FILTER (WHERE ${cell} = ${i}) AS __lakegit_cell${i}`).join('');
  const rowCell = run.spec.cells.length - 1;
  const ids = run.ids();
  const sql = keyless
    ? `SELECT ${ids}, ${quoteIdent(COPIES)} AS __lakegit_copies, ${ord} AS __lakegit_row FROM ${res} ORDER BY ${ids}, ${ord}`
    : run.spec.cells.length === 1 // keyed row blame: a row's one cell is blamed once
      ? `SELECT ${ids}, ${ord} AS __lakegit_row FROM ${res} ORDER BY ${ids}`
      : `SELECT ${ids}, max(${ord}) FILTER (WHERE ${cell} = ${rowCell}) AS __lakegit_row${cellColumns}
       FROM ${res} GROUP BY ${ids} ORDER BY ${ids}`;
  const cellOf = (o: number): BlameCell => {
    const m = run.commits[o];
    return { commit: m.commit, author: m.author, date: m.date };
  };
  try {
    for await (const { names, rows } of run.engine.streamArrays(sql)) {
      const at = (n: string) => names.indexOf(n);
      const [keyAt, rowAt, copiesAt] = [identity.map(at), at('__lakegit_row'), at('__lakegit_copies')];
      const cellAt = labels.map((_, i) => at(`__lakegit_cell${i}`));
      const out: BlameRow[] = [];
      for (const r of rows) {
        const key: JsonRow = {};
        for (let k = 0; k < identity.length; k++) key[identity[k]] = r[keyAt[k]];
        const o = Number(r[rowAt]);
        const m = run.commits[o];
        const row: BlameRow = { key, commit: m.commit, author: m.author, date: m.date, message: m.message };
        if (cells) row.cells = Object.fromEntries(labels.map((l, i) => [l, cellOf(perCell ? Number(r[cellAt[i]]) : o)]));
        for (let n = keyless ? Number(r[copiesAt]) : 1; n > 0; n--) out.push(row);
      }
      yield out;
    }
  } finally {
    await release(run, start);
  }
}

async function release(run: BlameRun, start: BlameStart): Promise<void> {
  await run.dropAll();
  await start.release();
}
