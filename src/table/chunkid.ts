import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import type { Manifest } from './manifest.js';
import { rowDigest } from './rowsql.js';
import { schemaSignature } from './schema.js';

/** The change-chunk op column (also in snapshot.ts, which imports this module's callers). */
const OP_COLUMN = '__lakegit_op';

/**
 * The schema signature each chunk id was hashed with, for every manifest this process has read: a
 * chunk fetched from a remote is checked against its id before anything uses it, and the id alone
 * does not say which columns (and types) went into it.
 */
const signatures = new Map<string, string>();
/** A DuckDB type name as manifests write them; anything else (a forged manifest) is not spliced into SQL. */
const TYPE_NAME = /^[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?$/;

export function noteManifestChunks(m: Pick<Manifest, 'columns' | 'chunks' | 'deltas'>): void {
  if (!Array.isArray(m.chunks) || !Array.isArray(m.deltas) || !Array.isArray(m.columns)) return;
  if (m.chunks.length) {
    const sig = schemaSignature(m.columns);
    for (const c of m.chunks) signatures.set(c.id, sig);
  }
  if (m.deltas.length) {
    const sig = schemaSignature([...m.columns, { name: OP_COLUMN, type: 'VARCHAR' }]);
    for (const d of m.deltas) signatures.set(d.id, sig);
  }
}

export const chunkSignature = (id: string): string | undefined => signatures.get(id);

/**
 * A chunk file's id recomputed from its rows, in file order, the way the chunk writer computes it
 * (docs/format.md, "Chunk ids"): sha256 of the schema signature and each row's md5.
 *
 * DuckDB writes the rows' md5s to a scratch file with `COPY`, which keeps the rows' order (a plain
 * SELECT from one file: DuckDB's "Order Preservation") while both threads hash; Node then runs the
 * sha256 over them in one pass. An ordered `string_agg` sorted them all again first: ~2.4 s of CPU
 * at 1M rows against ~1.3 s this way (docs/benchmarks.md, "Remotes: where the time and the bytes go").
 */
export async function chunkDigest(engine: Engine, file: string, sig: string): Promise<string> {
  const typed = JSON.parse(sig) as [string, string][];
  const cast = typedValues(sig).map((v, i) => `${v} AS ${quoteIdent(typed[i][0])}`);
  const source = `(SELECT ${cast.join(', ')} FROM read_parquet(${pathList([file])}))`;
  const [id] = await rowDigestRuns(
    engine,
    source,
    typed.map(([n]) => n),
    sig,
    path.dirname(file),
    [Infinity],
  );
  return id;
}

/**
 * A chunk's columns as value expressions of the types its signature names, to hash its rows with: read
 * back as the manifest's types, since Parquet keeps some (HUGEINT) under another type whose JSON text differs.
 */
export function typedValues(sig: string): string[] {
  const typed = JSON.parse(sig) as [string, string][];
  return typed.map(([n, t]) => (TYPE_NAME.test(t) ? `CAST(${quoteIdent(n)} AS ${t})` : quoteIdent(n)));
}

/**
 * The ids of consecutive runs of a relation's rows (`runs[i]` rows each, in the relation's order;
 * `Infinity` for "all the rest"): sha256 of `sig` and the md5 of each row's canonical text. One `COPY`
 * writes every row's md5 to a scratch file in `dir` (COPY keeps a plain scan's row order, so no sort
 * is needed) and Node hashes the runs off it: the chunk writer and the verifier share this, so a
 * chunk's id is computed one way. At 1M rows: 0.85 s of CPU against 1.2 s for a `string_agg(md5 ...
 * ORDER BY)` per chunk (docs/benchmarks.md, "import2").
 */
export async function rowDigestRuns(
  engine: { run(sql: string): Promise<unknown> },
  relation: string,
  columns: readonly string[],
  sig: string,
  dir: string,
  runs: readonly number[],
): Promise<string[]> {
  const digests = tempName(dir, 'digest', '.txt');
  try {
    await engine.run(
      `COPY (SELECT ${rowDigest(columns)} FROM ${relation}) TO ${quoteLiteral(digests)} (FORMAT csv, HEADER false, QUOTE '')`,
    );
    return await hashRuns(sig, digests, runs);
  } finally {
    await fsp.rm(digests, { force: true });
  }
}

/**
 * sha256 of `prefix` and each run of lines of the file, line ends dropped (md5s are hex: no other
 * byte is dropped). A file with other than the runs' lines in it is an error (`Infinity` takes the rest).
 */
async function hashRuns(prefix: string, file: string, runs: readonly number[]): Promise<string[]> {
  const ids: string[] = [];
  let left = runs[0];
  let hash = createHash('sha256').update(prefix, 'utf8');
  const close = () => {
    ids.push(hash.digest('hex'));
    hash = createHash('sha256').update(prefix, 'utf8');
    left = runs[ids.length];
  };
  while (ids.length < runs.length && left === 0) close();
  // One buffer read into again and again: a stream allocates a fresh one per read, whose first touch of each
  // page cost ~0.2 s of CPU for the 33 MB of 1M rows' digests (0.03 s this way; docs/benchmarks.md, "import4").
  const b = Buffer.allocUnsafe(1 << 20);
  const handle = await fsp.open(file, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(b, 0, b.length);
      if (bytesRead === 0) break;
      const piece = b.subarray(0, bytesRead);
      // Each line's text is moved down over the line ends before it (native indexOf and copyWithin: a
      // byte loop in JS cost as much as reading the file), and every finished run is hashed off the buffer.
      let [kept, from, at] = [0, 0, 0];
      for (;;) {
        const nl = piece.indexOf(10, at);
        const end = nl < 0 ? piece.length : nl;
        const stop = end > at && piece[end - 1] === 13 ? end - 1 : end;
        if (stop > at && kept !== at) piece.copyWithin(kept, at, stop);
        kept += stop - at;
        if (nl < 0) break;
        at = nl + 1;
        if (ids.length === runs.length) throw new Error(`${file}: more rows than the chunks hold`);
        if (--left > 0) continue;
        hash.update(piece.subarray(from, kept));
        from = kept;
        close();
        while (ids.length < runs.length && left === 0) close();
      }
      if (kept > from) {
        if (ids.length === runs.length) throw new Error(`${file}: more rows than the chunks hold`);
        hash.update(piece.subarray(from, kept));
      }
    }
  } finally {
    await handle.close();
  }
  if (ids.length === runs.length - 1 && left === Infinity) close();
  if (ids.length !== runs.length) throw new Error(`${file}: fewer rows than the chunks hold`);
  return ids;
}
