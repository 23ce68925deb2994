import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent } from '../engine/quote.js';
import { writeFile } from './files.js';
import { cols, emptyRelation, sortCols } from './rowsql.js';
import type { FileFormat } from './schema.js';
import { overlaySql, type TableSnapshot } from './snapshot.js';
import { SPLICE_FROM_ROWS, writeSplicedFile } from './spliced-write.js';

/**
 * Writing a snapshot in identity order without sorting the table. Base chunks are sorted and hold
 * disjoint, ascending key ranges, and DuckDB keeps the order of a multi-file `read_parquet` list,
 * of `UNION ALL` branches and of `COPY` (preserve_insertion_order, its default; documented in
 * "Order Preservation" and checked by test/table/ordered-write.test.ts). So only the chunks whose
 * key range the change rows fall in are merged with them and sorted, each run by itself; the
 * untouched runs between them are copied as they are.
 */

/** The chunk ordinal each change row belongs to, beside the change rows (a temporary table). */
const ORD = '__lakegit_ord';
/**
 * Most UNION ALL branches in one write: DuckDB's planning grows faster than linearly with them
 * (~60 ms at 100 branches, ~350 ms at 400). Past it, the smallest untouched gaps are sorted too.
 */
export const MAX_PIECES = 64;

/** A run of base chunks [from, to), copied as is or (`sort`) merged with its change rows and sorted. */
export interface Piece {
  from: number;
  to: number;
  sort: boolean;
}

let seq = 0;
const tempName = () => `__lakegit_ordered_${process.pid}_${++seq}`;

export interface WriteOptions {
  /** Wraps the ordered relation in a projection (which keeps order), as export's JSON Lines does. */
  project?: (sql: string) => string;
  maxPieces?: number;
  /** A .csv file's delimiter when it is not a comma. */
  delimiter?: string;
}

/** Write the snapshot's rows in identity order to `absFile`, byte for byte as `orderedSql()` would. */
export async function writeSnapshot(
  engine: Engine,
  snap: TableSnapshot,
  absFile: string,
  format: FileFormat,
  opts: WriteOptions = {},
): Promise<void> {
  const project = opts.project ?? ((s: string) => s);
  const shape = { delimiter: opts.delimiter, columns: snap.manifest.columns };
  // DuckDB's Parquet writer cuts row groups at the first input vector past ROW_GROUP_SIZE, so its
  // bytes depend on how the input was vectorised: a sort emits full vectors, a list of chunk files a
  // short one at each file's end. Only the sort gives the same row groups for the same rows.
  if (format === 'parquet') return writeFile(engine, project(snap.orderedSql()), absFile, format, shape);
  if (snap.manifest.deltas.length === 0) return writeFile(engine, project(snap.baseSql()), absFile, format, shape);
  // A large text file (a clone's, a far checkout's) is one copy of the base with the change rows spliced in (spliced-write.ts).
  if (snap.manifest.rows >= SPLICE_FROM_ROWS && (await writeSplicedFile(engine, snap, absFile, format, opts))) return;
  const placed = tempName();
  await placeChanges(engine, snap, placed);
  try {
    const rows = await engine.all(`SELECT DISTINCT ${quoteIdent(ORD)} AS ord FROM ${quoteIdent(placed)}`);
    const touched = new Set(rows.map((r) => Number(r.ord)));
    const pieces = planPieces(
      snap.manifest.chunks.map((c) => c.rows),
      touched,
      opts.maxPieces ?? MAX_PIECES,
    );
    await writeFile(engine, project(piecesSql(snap, placed, pieces)), absFile, format, shape);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(placed)}`);
  }
}

/**
 * The folded change rows, each with the ordinal of the chunk whose key range holds it: the last
 * chunk whose first key is <= the row's key (chunk 0 for keys before every chunk). A chunk's first
 * key sorts before a change row of the same key. Keys are compared by DuckDB, so any key type works.
 */
async function placeChanges(engine: Engine, snap: TableSnapshot, into: string): Promise<void> {
  const id = sortCols(snap.identity, snap.columns);
  const [first, tag] = [quoteIdent('__lakegit_first'), quoteIdent('__lakegit_tag')];
  await engine.run(`CREATE TEMP TABLE ${quoteIdent(into)} AS
    SELECT * EXCLUDE (${first}, ${tag}) FROM (
      SELECT *, coalesce(max(${first}) OVER (ORDER BY ${id}, ${tag} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), 0) AS ${quoteIdent(ORD)}
      FROM (SELECT *, NULL::BIGINT AS ${first}, 1 AS ${tag} FROM (${snap.deltaSql()})
            UNION ALL BY NAME SELECT *, 0 AS ${tag} FROM (${firstKeysSql(snap, first)})))
    WHERE ${tag} = 1`);
}

/** `(identity…, ordinal AS first)` of each base chunk's first row. */
function firstKeysSql(snap: TableSnapshot, first: string): string {
  const paths = snap.basePaths();
  const id = cols(snap.identity);
  if (paths.length === 0) return `SELECT ${id}, 0::BIGINT AS ${first} FROM (${emptyRelation(snap.columns)})`;
  // read_parquet's virtual columns are shadowed by (or clash with) table columns of the same name.
  const clash = snap.columnNames.some((c) => /^(file_index|file_row_number)$/i.test(c));
  if (!clash)
    return `SELECT ${id}, file_index::BIGINT AS ${first} FROM read_parquet(${pathList(paths)}, file_row_number = true) WHERE file_row_number = 0`;
  return paths
    .map((p, i) => `SELECT * FROM (SELECT ${id}, ${i}::BIGINT AS ${first} FROM read_parquet(${pathList([p])}) LIMIT 1)`)
    .join(' UNION ALL ');
}

/**
 * Runs of chunks, touched or not, in order. While there are more than `max`, the untouched gap
 * between two touched runs holding the fewest rows is sorted with them (two runs fewer each time).
 */
export function planPieces(chunkRows: readonly number[], touched: ReadonlySet<number>, max: number): Piece[] {
  if (chunkRows.length === 0) return [{ from: 0, to: 0, sort: true }];
  const sort = chunkRows.map((_, i) => touched.has(i));
  const runs = () => toRuns(sort);
  const gaps = runs()
    .filter((r, i, all) => !r.sort && i > 0 && i < all.length - 1)
    .map((r) => ({ ...r, rows: chunkRows.slice(r.from, r.to).reduce((s, n) => s + n, 0) }))
    .sort((a, b) => a.rows - b.rows || a.from - b.from);
  let count = runs().length;
  for (const g of gaps) {
    if (count <= max) break;
    for (let i = g.from; i < g.to; i++) sort[i] = true;
    count -= 2;
  }
  return runs();
}

function toRuns(sort: readonly boolean[]): Piece[] {
  const out: Piece[] = [];
  sort.forEach((s, i) => {
    const last = out[out.length - 1];
    if (last && last.sort === s) last.to = i + 1;
    else out.push({ from: i, to: i + 1, sort: s });
  });
  return out;
}

/** The pieces' rows in order: UNION ALL keeps its branches' order, and each branch is in order. */
function piecesSql(snap: TableSnapshot, placed: string, pieces: readonly Piece[]): string {
  return pieces.map((p) => `SELECT * FROM (${p.sort ? sortedPiece(snap, placed, p) : snap.chunksSql(p.from, p.to)})`).join(' UNION ALL ');
}

/** Chunks [from, to) with their change rows applied (as `TableSnapshot.sql()` does), sorted. */
function sortedPiece(snap: TableSnapshot, placed: string, p: Piece): string {
  const changes = `(SELECT * FROM ${quoteIdent(placed)} WHERE ${quoteIdent(ORD)} >= ${p.from} AND ${quoteIdent(ORD)} < ${Math.max(p.to, 1)})`;
  return `SELECT ${cols(snap.columnNames)} FROM (${overlaySql(snap.columnNames, snap.identity, snap.chunksSql(p.from, p.to), changes)})
    ORDER BY ${sortCols(snap.identity, snap.columns)}`;
}
