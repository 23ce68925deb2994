import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import type { ChunkRef, ChunkingScheme } from './manifest.js';
import { CHUNK_SCHEME } from './manifest.js';
import { boundaryHashes } from './boundary.js';
import { rowDigestRuns } from './chunkid.js';
import { cols, identityOrder } from './rowsql.js';
import { chunkParquetOptions, dictionaryRisk, type DictionaryRisk } from './parquet-options.js';
import { schemaSignature, type Column } from './schema.js';

/** Chosen by measurement (docs/format.md): 64k-row chunks read at ~1.1x one Parquet file. */
export const DEFAULT_CHUNKING: ChunkingScheme = { scheme: CHUNK_SCHEME, target: 65536, min: 16384, max: 262144 };
/** Secondary, finer boundaries used to split a run that outgrew `max` without losing locality. */
const MINOR_DIVISOR = 16;

export interface Candidate {
  pos: number;
  major: boolean;
}

/**
 * Where to cut a sorted run of n rows, from the rows whose identity hash hits a boundary.
 * Each cut depends only on the candidates since the previous cut, so an insert or delete moves
 * at most the cuts around it and the plan re-synchronises at the next accepted major boundary.
 * Returns exclusive end positions; the last is n.
 */
export function planCuts(n: number, candidates: readonly Candidate[], s: Pick<ChunkingScheme, 'min' | 'max'>): number[] {
  const cuts: number[] = [];
  let start = 0;
  let minor = -1;
  const cutAt = (p: number) => {
    cuts.push(p);
    start = p;
    minor = -1;
  };
  for (const c of [...candidates, { pos: n, major: true }]) {
    while (c.pos - start > s.max) cutAt(minor - start >= s.min ? minor : start + s.max);
    if (c.pos === n) break;
    if (c.major && c.pos - start >= s.min) cutAt(c.pos);
    else if (c.pos - start >= s.min && c.pos - start <= s.max) minor = c.pos;
  }
  if (start < n) cutAt(n);
  return cuts;
}

interface ChunkJob {
  from: number;
  to: number;
}

/**
 * Cut a work table (rows already in identity order, rowid = position) into content-addressed
 * Parquet chunks. A chunk id is sha256 over the schema and the md5 of each row's canonical text
 * in order, so equal rows give equal ids whatever the source format or input order. Chunks that
 * already exist are not written again. Work is spread over two connections.
 */
export async function writeChunks(
  engine: Engine,
  store: ChunkStore,
  work: string,
  columns: readonly Column[],
  identity: readonly string[],
  scheme: ChunkingScheme,
  extra: readonly string[] = [],
  onChunk?: (done: number, total: number) => void,
): Promise<ChunkRef[]> {
  const n = Number(await engine.value(`SELECT count(*) FROM ${quoteIdent(work)}`));
  if (n === 0) return [];
  const src = await positioned(engine, work, [...columns.map((c) => c.name), ...extra], identity, columns);
  try {
    return await cutAndWrite(engine, store, src, n, columns, identity, scheme, extra, onChunk);
  } finally {
    if (src.table !== work) await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(src.table)}`);
  }
}

interface Positioned {
  table: string;
  pos: string;
}
let copies = 0;

/**
 * The work table and the expression for a row's position in it: DuckDB's `rowid`, unless a column
 * of that name hides it (any case); then a numbered copy in identity order, which is the work
 * table's order (rows that tie on identity are equal).
 */
async function positioned(
  engine: Engine,
  work: string,
  names: readonly string[],
  identity: readonly string[],
  columns: readonly Column[],
): Promise<Positioned> {
  if (!names.some((c) => c.toLowerCase() === 'rowid')) return { table: work, pos: 'rowid' };
  const table = `__lakegit_pos_${process.pid}_${++copies}`;
  const pos = quoteIdent('__lakegit_pos');
  await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(table)} AS
    SELECT row_number() OVER (ORDER BY ${identityOrder(identity, true, columns)}) - 1 AS ${pos}, * FROM ${quoteIdent(work)} ORDER BY ${pos}`);
  return { table, pos };
}

async function cutAndWrite(
  engine: Engine,
  store: ChunkStore,
  src: Positioned,
  n: number,
  columns: readonly Column[],
  identity: readonly string[],
  scheme: ChunkingScheme,
  extra: readonly string[],
  /** Rows written so far, of all the rows. */
  onChunk?: (rowsDone: number, rows: number) => void,
): Promise<ChunkRef[]> {
  const { table: work, pos } = src;
  const minorEvery = Math.max(1, Math.floor(scheme.target / MINOR_DIVISOR));
  // The moduli are integers of ours, inlined: as bound parameters they arrive as HUGEINT and halve the speed.
  const [major, minor] = [Math.trunc(scheme.target), Math.trunc(minorEvery)];
  // No cut falls before `min` rows: a run that short (a change chunk) needs no boundary pass.
  const found =
    n <= scheme.min
      ? []
      : await engine.all(
          `SELECT p AS pos, h % ${major} = 0 AS major FROM ${boundaryHashes(scheme.scheme, identity, columns, pos, quoteIdent(work))}
           WHERE h % ${minor} = 0`,
        );
  const candidates = found.map((r) => ({ pos: Number(r.pos) + 1, major: Boolean(r.major) })).sort((a, b) => a.pos - b.pos);
  const cuts = planCuts(n, candidates, scheme);
  const jobs: ChunkJob[] = cuts.map((to, i) => ({ from: i === 0 ? 0 : cuts[i - 1], to }));

  const all = [...columns.map((c) => c.name), ...extra];
  const signature = schemaSignature([...columns, ...extra.map((name) => ({ name, type: 'VARCHAR' }))]);
  const results: ChunkRef[] = new Array(jobs.length);
  let next = 0;
  let rowsDone = 0;
  const risk = dictionaryRisk(columns);
  const worker = async (conn: DuckDBConnection) => {
    for (let i = next++; i < jobs.length; i = next++) {
      const id = await chunkId(conn, store, src, all, signature, jobs[i]);
      results[i] = await writeOneChunk(engine, conn, store, src, { all, identity, risk }, id, jobs[i]);
      rowsDone += jobs[i].to - jobs[i].from;
      onChunk?.(rowsDone, n);
    }
  };
  // One thread per statement and one statement per thread (a connection each): a chunk's COPY on two threads
  // cost 1.5-2x the CPU of the same COPY on one (the batches each thread prepares are buffered and merged), and
  // where the merge cut the row groups depended on the threads' timing, so equal rows could give other bytes.
  // Each lane hashes its chunk's rows too (below): its row text must be rendered as the engine's (`lane`).
  const threads = Number(await engine.value("SELECT current_setting('threads')"));
  const lanes = Math.max(1, Math.min(threads, jobs.length));
  const conns: DuckDBConnection[] = [engine.conn];
  try {
    if (threads > 1) await engine.run('SET threads = 1');
    while (conns.length < lanes) conns.push(await engine.lane());
    await Promise.all(conns.map(worker));
  } finally {
    for (const conn of conns.slice(1)) conn.closeSync();
    if (threads > 1) await engine.run(`SET threads = ${threads}`);
  }
  return results;
}

/**
 * A chunk's id (sha256 of the schema signature and each row's md5, docs/format.md "Chunk ids") from its
 * range of the work table, on the lane that writes it: one thread reads the range in position order, Node hashes
 * one chunk while the other lane works, and no digest file of the whole table (330 MB at 10M rows) is held. In CPU
 * it measured the same as one two-thread digest pass before the writes (docs/benchmarks.md, "import5").
 */
async function chunkId(
  conn: DuckDBConnection,
  store: ChunkStore,
  src: Positioned,
  all: readonly string[],
  signature: string,
  job: ChunkJob,
): Promise<string> {
  const { table: work, pos } = src;
  const range = `(SELECT ${cols(all)} FROM ${quoteIdent(work)} WHERE ${pos} >= ${job.from} AND ${pos} < ${job.to})`;
  const [id] = await rowDigestRuns(conn, range, all, signature, store.dir, [job.to - job.from]);
  return id;
}

interface ChunkShape {
  /** The columns written, in order (the table's and any extra). */
  all: readonly string[];
  identity: readonly string[];
  /** Which rows a Parquet dictionary would change (`dictionaryRisk` of the table's columns). */
  risk: DictionaryRisk;
}

async function writeOneChunk(
  engine: Engine,
  conn: DuckDBConnection,
  store: ChunkStore,
  src: Positioned,
  shape: ChunkShape,
  id: string,
  job: ChunkJob,
): Promise<ChunkRef> {
  const { all, identity, risk } = shape;
  const { table: work, pos } = src;
  const range = `FROM ${quoteIdent(work)} WHERE ${pos} >= ${job.from} AND ${pos} < ${job.to}`;
  const ends = await conn.runAndReadAll(
    `SELECT ${cols(identity)} ${range} AND (${pos} = ${job.from} OR ${pos} = ${job.to - 1}) ORDER BY ${pos}`,
  );
  const keys = ends.convertRows(engine.toJson) as never[][];
  let bytes: number;
  if (await store.has(id)) {
    bytes = await store.size(id);
  } else {
    const tmp = store.tempPath();
    // No ORDER BY: COPY keeps a table scan's order (insertion order, which is position order), and sorting
    // the rows again cost as much as compressing them (0.86 s of CPU at 1M rows; docs/benchmarks.md, "import2").
    const holds = async (test: string) => (await conn.runAndReadAll(`SELECT 1 ${range} AND (${test}) LIMIT 1`)).currentRowCount > 0;
    await conn.run(`COPY (SELECT ${cols(all)} ${range}) TO ${quoteLiteral(tmp)} (${await chunkParquetOptions(risk, holds)})`);
    bytes = await store.commitFile(tmp, id);
  }
  return { id, rows: job.to - job.from, bytes, min: keys[0], max: keys[keys.length - 1] };
}
