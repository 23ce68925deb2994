import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine, Params } from '../../engine/db.js';
import { quoteLiteral } from '../../engine/quote.js';
import { MISALIGNED } from './compare.js';

/**
 * From how many changed rows a table's JSON text is written by DuckDB to a file per key range
 * (`copiedJsonText`) rather than streamed through the client. Below it the file costs more than it
 * saves. Tests set it to 0 so that the oracles go through the file path. `block`: bytes of such a
 * file read at a time (tests make it shorter than a line).
 */
export const jsonTuning = { fileRows: 20_000, block: 1 << 20 };

/** One query whose rows are JSON text (`__lakegit_json`, see Comparison.jsonSql), with its parameters. */
export interface JsonPart {
  sql: (limit?: number) => string;
  /**
   * The same rows from an aligned comparison (no join by key, no sort; Comparison.keyedSql), when
   * both sides may hold the same keys in the same order: tried first, `sql` when its keys do not pair up.
   */
  aligned?: (limit?: number) => string;
  params?: Params;
}

const NEWLINE = 0x0a;
/**
 * Around a part's rows in its file: DuckDB's CSV writer then ends the last row with the suffix
 * instead of a line end (NEW_LINE `,\n` joins the rows), so the file holds exactly the text to pass on.
 */
const PREFIX = '[';
const SUFFIX = ']';

interface Written {
  file: string;
  rows: number;
}

/**
 * The rows of `parts`, in order, as their JSON texts joined by `,\n`, in pieces (text or UTF-8
 * bytes, each cut at a line end so no character is split), at most `limit` rows. DuckDB writes each
 * part with its CSV writer (one column, nothing quoted, the rows joined by `,\n`) to a temporary
 * file, which is then handed on as bytes: no JavaScript string per row.
 *
 * Without a limit, parts are written on as many connections as DuckDB has threads, each query on
 * one thread (an aligned query is one pipeline that a second thread would only wait on, spinning),
 * and later parts are written while earlier ones are read. With a limit, one part at a time: how
 * many rows the next may give depends on the ones before.
 */
export async function* copiedJsonText(engine: Engine, parts: readonly JsonPart[], limit?: number): AsyncGenerator<string | Uint8Array> {
  if (parts.length === 0 || (limit ?? 1) <= 0) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-diff-'));
  const threads = Number(await engine.value("SELECT current_setting('threads')"));
  const lanes = limit === undefined ? Math.max(1, Math.min(threads, parts.length)) : 1;
  const conns: DuckDBConnection[] = [engine.conn];
  const pending = new Map<number, Promise<Written>>();
  let left = limit ?? Infinity;
  let any = false;
  try {
    if (threads > 1) await engine.run('SET threads = 1');
    while (conns.length < lanes) conns.push(await laneConnection(engine));
    const launch = (i: number) => {
      if (i >= parts.length || pending.has(i)) return;
      const written = writePart(conns[i % lanes], parts[i], path.join(dir, `part-${i}.txt`), Number.isFinite(left) ? left : undefined);
      written.catch(() => undefined); // awaited in turn below; a failure must not go unhandled meanwhile
      pending.set(i, written);
    };
    for (let i = 0; i < lanes && limit === undefined; i++) launch(i);
    for (let i = 0; i < parts.length && left > 0; i++) {
      launch(i);
      const { file, rows } = await pending.get(i)!;
      pending.delete(i);
      left -= rows;
      // Part i's connection is free again: it writes part i + lanes while this one is read.
      if (limit === undefined) launch(i + lanes);
      let first = true;
      for await (const text of partText(file)) {
        if (first && any) yield ',\n';
        first = false;
        yield text;
      }
      any ||= !first;
      await fsp.rm(file, { force: true });
    }
  } finally {
    await Promise.allSettled(pending.values());
    for (const conn of conns.slice(1)) conn.closeSync();
    if (threads > 1) await engine.run(`SET threads = ${threads}`);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Another connection to the engine's database, set up as the engine's own is where it matters here. */
async function laneConnection(engine: Engine): Promise<DuckDBConnection> {
  const conn = await engine.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return conn;
}

/** One part's lines written to `file` by DuckDB: the aligned query when there is one and its keys pair up. */
async function writePart(conn: DuckDBConnection, part: JsonPart, file: string, limit?: number): Promise<Written> {
  const copy = async (sql: string) => {
    const reader = await conn.runAndReadAll(
      `COPY (SELECT __lakegit_json FROM (${sql})) TO ${quoteLiteral(file)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '',
        NEW_LINE ',\\n', PREFIX ${quoteLiteral(PREFIX)}, SUFFIX ${quoteLiteral(SUFFIX)})`,
      part.params,
    );
    return { file, rows: Number(reader.getRows()[0]?.[0] ?? 0) };
  };
  if (part.aligned) {
    try {
      return await copy(part.aligned(limit));
    } catch (e) {
      if (!(e instanceof Error && e.message.includes(MISALIGNED))) throw e;
      await fsp.rm(file, { force: true });
    }
  }
  return copy(part.sql(limit));
}

/**
 * A part's file (`[`, the rows' texts joined by `,\n`, `]`) without its brackets, in blocks that end
 * at a line end (the last at the closing bracket). A line is copied again only when a block cuts it.
 */
async function* partText(file: string): AsyncGenerator<Uint8Array> {
  const fh = await fsp.open(file, 'r');
  try {
    const end = (await fh.stat()).size - SUFFIX.length;
    let pos = PREFIX.length;
    let carry: Buffer | undefined;
    while (pos < end) {
      const kept = carry?.length ?? 0;
      const block = Buffer.allocUnsafe(kept + Math.min(jsonTuning.block, end - pos));
      carry?.copy(block);
      const { bytesRead } = await fh.read(block, kept, block.length - kept, pos);
      if (bytesRead === 0) throw new Error(`diff: ${file} ended early`);
      pos += bytesRead;
      const filled = kept + bytesRead;
      const cut = pos >= end ? filled : block.lastIndexOf(NEWLINE, filled - 1) + 1;
      carry = cut < filled ? block.subarray(cut, filled) : undefined;
      if (cut > 0) yield block.subarray(0, cut);
    }
  } finally {
    await fh.close();
  }
}
