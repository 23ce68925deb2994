import { promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { writerOptions } from './files.js';
import { col, cols, sortCols } from './rowsql.js';
import type { FileFormat } from './schema.js';
import { OP, type TableSnapshot } from './snapshot.js';
import { spliceCopy, splitLines, type ChangeEvent } from './splice-stream.js';

/**
 * Writing a keyed text file (CSV, TSV, JSON Lines) of a snapshot with change chunks, in key order,
 * without sorting the table. The base chunks, sorted and holding ascending key ranges, are written
 * by one `COPY` of the chunk list (DuckDB keeps a file list's order and COPY's: "Order
 * Preservation"), and the change rows' lines, formatted by the same `COPY` options, are spliced in
 * while that file is streamed to the target: a modified row's line replaces its base line, a
 * removed row's line is dropped, an added row's line goes before the first base line with a
 * greater key. Where each change row goes is found by a narrow query on the key columns alone
 * (`placeChanges`). The result is byte for byte what one `ORDER BY` over the whole snapshot writes
 * (test/table/spliced-write.test.ts), at the cost of the base copy plus a pass over its bytes.
 */

/**
 * Tables smaller than this are written by sorting the touched chunks (ordered-write.ts): the few
 * statements that place the change rows cost more than sorting a small table
 * (docs/benchmarks.md, "clone2").
 */
export const SPLICE_FROM_ROWS = 50_000;

const J = quoteIdent('__lakegit_j');
const AT = quoteIdent('__lakegit_at');
const TAG = quoteIdent('__lakegit_tag');
const FI = quoteIdent('__lakegit_fi');
const BLK = quoteIdent('__lakegit_blk');
/** A base row's place as one number: file ordinal in the high 32 bits, row number in the file in the low. */
const SHIFT = 4294967296;

let seq = 0;
const tableName = (stem: string) => `__lakegit_splice_${stem}_${process.pid}_${++seq}`;

export interface SpliceOptions {
  /** A projection of the rows (which keeps their order), applied to the base and the change rows alike. */
  project?: (sql: string) => string;
  /** A .csv file's delimiter when it is not a comma. */
  delimiter?: string;
}

/** Write `snap` to `absFile` this way, atomically (a temporary file renamed); false (nothing written) when it does not apply. */
export async function writeSplicedFile(
  engine: Engine,
  snap: TableSnapshot,
  absFile: string,
  format: Exclude<FileFormat, 'parquet'>,
  opts: SpliceOptions = {},
): Promise<boolean> {
  await fsp.mkdir(path.dirname(absFile), { recursive: true });
  const ext = path.extname(absFile);
  const tmp = tempName(path.dirname(absFile), path.basename(absFile, ext), ext);
  let done = false;
  try {
    done = await writeSpliced(engine, snap, tmp, format, opts);
    if (done) await fsp.rename(tmp, absFile);
    return done;
  } finally {
    if (!done) await fsp.rm(tmp, { force: true });
  }
}

/**
 * Write `snap` to `tmpOut` as described above. False when this way does not apply (no key, no
 * change rows, no base chunks, a column named like a read_parquet virtual column, or a value whose
 * text spans lines): the caller writes the file another way.
 */
export async function writeSpliced(
  engine: Engine,
  snap: TableSnapshot,
  tmpOut: string,
  format: Exclude<FileFormat, 'parquet'>,
  opts: SpliceOptions = {},
): Promise<boolean> {
  const project = opts.project ?? ((sql: string) => sql);
  const delta = snap.deltaSql();
  if (!snap.manifest.key || !delta || snap.manifest.chunks.length === 0) return false;
  if (snap.columnNames.some((c) => /^(file_index|file_row_number)$/i.test(c))) return false;
  const dir = path.dirname(tmpOut);
  const ext = path.extname(tmpOut);
  const baseFiles = [tempName(dir, 'lakegit-base', ext), tempName(dir, 'lakegit-base', ext)];
  const changeFile = tempName(dir, 'lakegit-change', ext);
  const changes = tableName('d');
  const q = quoteIdent;
  const key = snap.identity;
  try {
    await engine.run(
      `CREATE TEMP TABLE ${q(changes)} AS SELECT *, row_number() OVER (ORDER BY ${sortCols(key, snap.columns)}) - 1 AS ${J} FROM (${delta})`,
    );
    const options = writerOptions(format, opts.delimiter);
    // The changed rows' lines in key order, formatted by the COPY that writes the base.
    await engine.run(
      `COPY (${project(`SELECT ${cols(snap.columnNames)} FROM ${q(changes)} WHERE ${q(OP)} <> 'removed' ORDER BY ${J}`)}) TO ${quoteLiteral(changeFile)} (${options})`,
    );
    const events = await placeChanges(engine, snap, changes);
    const parts = await copyBase(engine, snap, baseFiles, (sql) => project(sql), options);
    const header = format !== 'jsonl';
    const lines = splitLines(readFileSync(changeFile, 'utf8'), header);
    if (!lines || lines.rows.length !== events.filter((e) => !e.removed).length) return false;
    return spliceCopy({ files: parts, header }, tmpOut, events.baseRows, events, lines);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${q(changes)}`);
    for (const f of [...baseFiles, changeFile]) await fsp.rm(f, { force: true });
  }
}

/**
 * The base chunks' rows written by `COPY`, the first half of the rows to `files[0]` and the rest to
 * `files[1]` by two statements at once, on two connections (each statement's own threads cost more
 * CPU than a second statement: docs/benchmarks.md, "Issue 12, helper `clone3`"); the files written, in order.
 */
async function copyBase(
  engine: Engine,
  snap: TableSnapshot,
  files: string[],
  project: (sql: string) => string,
  options: string,
): Promise<string[]> {
  const chunks = snap.manifest.chunks;
  let cut = 0;
  for (let rows = 0; cut < chunks.length - 1 && rows + chunks[cut].rows <= snap.manifest.rows / 2; cut++) rows += chunks[cut].rows;
  cut = Math.max(cut, 1);
  if (cut >= chunks.length) {
    await engine.run(`COPY (${project(snap.baseSql())}) TO ${quoteLiteral(files[0])} (${options})`);
    return files.slice(0, 1);
  }
  const second = await engine.lane();
  try {
    const halves = [snap.chunksSql(0, cut), snap.chunksSql(cut, chunks.length)];
    const conns = [engine.conn, second];
    await Promise.all(halves.map((sql, i) => conns[i].run(`COPY (${project(sql)}) TO ${quoteLiteral(files[i])} (${options})`)));
    return files;
  } finally {
    second.closeSync();
  }
}

/** The events in key order, and the rows of the base chunks (their Parquet footers' counts). */
type Events = ChangeEvent[] & { baseRows: number };

/**
 * Where each change row goes among the base rows, in key order, from the key columns alone and no
 * sort of the base: every B-th base row is sampled (its key and place); a window over the samples
 * and the change keys (few rows) finds each change key's block, the last sample not after it; the
 * block's rows then say how many keys before it are smaller and whether one is equal. B balances
 * the samples (rows / B) against the rows compared (changes × B).
 */
async function placeChanges(engine: Engine, snap: TableSnapshot, changes: string): Promise<Events> {
  const key = snap.identity;
  const q = quoteIdent;
  const paths = pathList(snap.basePaths());
  const files = await engine.all(`SELECT file_name AS f, num_rows AS n FROM parquet_file_metadata(${paths})`);
  const rowsOf = new Map(files.map((r) => [String(r.f), Number(r.n)]));
  const before = [0];
  for (const p of snap.basePaths()) before.push(before[before.length - 1] + (rowsOf.get(p) ?? NaN));
  const baseRows = before[before.length - 1];
  const changeRows = snap.manifest.deltas.reduce((sum, d) => sum + d.rows, 0); // at least the folded rows
  const b = Math.max(1, Math.min(1 << 16, Math.round(Math.sqrt(baseRows / Math.max(1, changeRows)))));
  const read = `read_parquet(${paths}, file_row_number = true)`;
  const lt = key.map((k, i) =>
    [...key.slice(0, i).map((e) => `${col(e, 'r')} = ${col(e, 'p')}`), `${col(k, 'r')} < ${col(k, 'p')}`].join(' AND '),
  );
  const eq = key.map((k) => `${col(k, 'r')} = ${col(k, 'p')}`).join(' AND ');
  const rows = await engine.all(`WITH __lakegit_placed AS (SELECT * FROM (
        SELECT ${cols(key)}, ${J}, ${q(OP)}, ${TAG},
          coalesce(max(${AT}) OVER (ORDER BY ${cols(key)}, ${TAG} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), 0) AS ${AT}
        FROM (SELECT ${cols(key)}, NULL::BIGINT AS ${J}, NULL::VARCHAR AS ${q(OP)}, 0 AS ${TAG},
                file_index::BIGINT * ${SHIFT} + file_row_number AS ${AT} FROM ${read} WHERE file_row_number % ${b} = 0
              UNION ALL SELECT ${cols(key)}, ${J}, ${q(OP)}, 1, NULL::BIGINT FROM ${q(changes)}))
      WHERE ${TAG} = 1)
    SELECT (p.${AT} // ${SHIFT})::DOUBLE AS fi, (p.${AT} % ${SHIFT})::DOUBLE AS start, p.${q(OP)} AS op,
        count(*) FILTER (WHERE ${lt.map((x) => `(${x})`).join(' OR ')})::DOUBLE AS lt, count(*) FILTER (WHERE ${eq})::DOUBLE AS eq
      FROM __lakegit_placed p
        LEFT JOIN (SELECT ${cols(key)}, file_index::BIGINT AS ${FI}, file_row_number // ${b} AS ${BLK} FROM ${read}) r
          ON r.${FI} = p.${AT} // ${SHIFT} AND r.${BLK} = (p.${AT} % ${SHIFT}) // ${b}
      GROUP BY p.${J}, p.${AT}, p.${q(OP)} ORDER BY p.${J}`);
  const events = Object.assign([] as ChangeEvent[], { baseRows });
  for (const r of rows) {
    const line = before[Number(r.fi)] + Number(r.start) + Number(r.lt);
    const replaces = Number(r.eq) > 0;
    const removed = r.op === 'removed';
    if (removed && !replaces) continue; // a key the base does not hold: nothing to remove
    events.push({ line, replaces, removed });
  }
  return events;
}
