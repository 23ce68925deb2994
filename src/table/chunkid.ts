import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
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
  // Read back as the manifest's types: Parquet keeps some (HUGEINT) under another type whose JSON text differs.
  const cast = typed.map(([n, t]) => (TYPE_NAME.test(t) ? `CAST(${quoteIdent(n)} AS ${t}) AS ${quoteIdent(n)}` : quoteIdent(n)));
  const digests = tempName(path.dirname(file), 'digest', '.txt');
  try {
    await engine.run(
      `COPY (SELECT ${rowDigest(typed.map(([n]) => n))} FROM (SELECT ${cast.join(', ')} FROM read_parquet(${pathList([file])})))
       TO ${quoteLiteral(digests)} (FORMAT csv, HEADER false, QUOTE '')`,
    );
    return await hashLines(sig, digests);
  } finally {
    await fsp.rm(digests, { force: true });
  }
}

/** sha256 of `prefix` and the file's text without its line ends (md5s are hex: no other byte is dropped). */
async function hashLines(prefix: string, file: string): Promise<string> {
  const hash = createHash('sha256').update(prefix, 'utf8');
  for await (const piece of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const b = piece as Buffer;
    let kept = 0;
    for (let i = 0; i < b.length; i++) if (b[i] !== 10 && b[i] !== 13) b[kept++] = b[i];
    hash.update(b.subarray(0, kept));
  }
  return hash.digest('hex');
}
