import { createHash } from 'node:crypto';
import { closeSync, openSync, promises as fsp, readSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { pathList, quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { typedValues } from './chunkid.js';
import { rowDigestOf } from './rowsql.js';

/**
 * The ids of several chunk files' rows from one statement: what `chunkDigest` computes for each
 * (docs/format.md, "Chunk ids": sha256 of the schema signature and each row's md5, in file order),
 * without a statement, a scratch file and a pass over it per chunk. One `COPY` writes every row's
 * md5, file after file (a `UNION ALL` of one scan per file, which keeps its branches' order), with a
 * marker line after each file's rows; Node hashes each run of md5s between markers. Each file is
 * read by itself and cast to the signature's types, as `chunkDigest` reads it, so a file's rows
 * and its run are exactly its own: no footer's row count is trusted and no file's schema bends another's.
 */

const MARK = '-'; // never an md5's hex text
const BLOCK = 4 << 20;

export async function chunkIdsOf(conn: DuckDBConnection, files: readonly string[], sig: string, dir: string): Promise<string[]> {
  const digest = rowDigestOf(typedValues(sig));
  const scans = files.map((f) => `SELECT ${digest} FROM read_parquet(${pathList([f])}) UNION ALL SELECT ${quoteLiteral(MARK)}`);
  const scratch = tempName(dir, 'digest', '.txt');
  try {
    await conn.run(`COPY (${scans.join(' UNION ALL ')}) TO ${quoteLiteral(scratch)} (FORMAT csv, HEADER false, QUOTE '')`);
    return hashMarkedRuns(sig, scratch, files.length);
  } finally {
    await fsp.rm(scratch, { force: true });
  }
}

/** sha256 of `prefix` and the lines of each run (line ends dropped), runs ended by a marker line; exactly `runs` of them. */
function hashMarkedRuns(prefix: string, file: string, runs: number): string[] {
  const ids: string[] = [];
  let hash = createHash('sha256').update(prefix, 'utf8');
  const input = openSync(file, 'r');
  let buf = Buffer.allocUnsafe(BLOCK);
  let have = 0; // bytes of a line begun in the previous read, at the start of `buf`
  try {
    for (;;) {
      if (have === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      const n = readSync(input, buf, have, buf.length - have, null);
      if (n === 0) break;
      const end = have + n;
      // Each md5 is moved down over the line ends before it (native indexOf and copyWithin), hashed a block at a time.
      let [kept, from, at] = [0, 0, 0];
      for (let nl = buf.indexOf(10, at); nl >= 0 && nl < end; nl = buf.indexOf(10, at)) {
        if (nl - at === 1 && buf[at] === MARK.charCodeAt(0)) {
          hash.update(buf.subarray(from, kept));
          ids.push(hash.digest('hex'));
          hash = createHash('sha256').update(prefix, 'utf8');
          from = kept;
        } else {
          if (kept !== at) buf.copyWithin(kept, at, nl);
          kept += nl - at;
        }
        at = nl + 1;
      }
      if (kept > from) hash.update(buf.subarray(from, kept));
      have = end - at;
      if (have) buf.copy(buf, 0, at, end);
    }
  } finally {
    closeSync(input);
  }
  if (have || ids.length !== runs) throw new Error(`${file}: ${ids.length} runs of rows where ${runs} were expected`);
  return ids;
}
