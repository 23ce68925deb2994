import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent } from '../engine/quote.js';
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
 */
export async function chunkDigest(engine: Engine, path: string, sig: string): Promise<string> {
  const typed = JSON.parse(sig) as [string, string][];
  const names = typed.map(([n]) => n);
  const file = pathList([path]);
  if (!names.some((n) => n.toLowerCase() === 'file_row_number')) {
    // Read back as the manifest's types: Parquet keeps some (HUGEINT) under another type whose JSON text differs.
    const cast = typed.map(([n, t]) => (TYPE_NAME.test(t) ? `CAST(${quoteIdent(n)} AS ${t}) AS ${quoteIdent(n)}` : quoteIdent(n)));
    return engine.value<string>(
      `SELECT sha256($1 || coalesce(string_agg(${rowDigest(names)}, '' ORDER BY file_row_number), ''))
       FROM (SELECT ${cast.join(', ')}, file_row_number FROM read_parquet(${file}, file_row_number = true))`,
      [sig],
    );
  }
  // A column of that name hides the row number: copy the rows, in order, under neutral names (the digest ignores names).
  const t = quoteIdent(`__lg_digest_${process.pid}`);
  const alias = names.map((_, i) => `c${i}`);
  await engine.run(
    `CREATE OR REPLACE TABLE ${t} AS SELECT ${names.map((n, i) => `${quoteIdent(n)} AS ${alias[i]}`).join(', ')} FROM read_parquet(${file})`,
  );
  try {
    return await engine.value<string>(`SELECT sha256($1 || coalesce(string_agg(${rowDigest(alias)}, '' ORDER BY rowid), '')) FROM ${t}`, [
      sig,
    ]);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${t}`);
  }
}
