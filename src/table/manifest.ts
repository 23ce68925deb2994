import type { Json } from '@duckdb/node-api';
import { corrupt } from '../errors.js';
import type { Column, FileFormat } from './schema.js';
import { noteManifestChunks } from './chunkid.js';

/** A base chunk: rows in key order, cut at key-defined boundaries. */
export interface ChunkRef {
  id: string;
  rows: number;
  bytes: number;
  min: Json[];
  max: Json[];
}
/** A change chunk layered over the base: upserted rows and deleted keys, newest last. */
export interface DeltaRef extends ChunkRef {
  upserts: number;
  deletes: number;
}

/**
 * The working file a table lives in; `delimiter` only for a .csv file not separated by commas;
 * `types` only for columns whose type was fixed by `add --type` (every re-read uses them).
 */
export interface SourceFile {
  file: string;
  format: FileFormat;
  delimiter?: string;
  types?: Record<string, string>;
}

export interface ChunkingScheme {
  scheme: string;
  target: number;
  min: number;
  max: number;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  chunking: ChunkingScheme;
  key: string[] | null;
  columns: Column[];
  source: SourceFile;
  rows: number;
  chunks: ChunkRef[];
  deltas: DeltaRef[];
}

export const MANIFEST_FORMAT = 'lakegit.table/1';
/**
 * Bumped whenever the canonical row text, the boundary hash or the cut rule changes. /2 cuts tables
 * keyed by one integer column at a boundary hash of integer arithmetic (src/table/boundary.ts); chunk
 * ids are computed as in /1, and manifests that record /1 keep /1's boundary hash.
 */
export const CHUNK_SCHEME = 'lakegit-cdc/2:md5(json_array(row))+sha256;cut=fmix32(integer key)|md5_number_lower(key)';
export const CHUNK_SCHEME_V1 = 'lakegit-cdc/1:md5(json_array(row))+sha256;cut=md5_number_lower(key)';

const ORDER: (keyof Manifest)[] = ['format', 'chunking', 'key', 'columns', 'source', 'rows', 'chunks', 'deltas'];

/** Byte-stable: equal tables serialise to equal text and so to equal git blobs. */
export function serializeManifest(m: Manifest): string {
  const ordered = Object.fromEntries(ORDER.map((k) => [k, m[k]]));
  return `${JSON.stringify(ordered, null, 1)}\n`;
}

export function parseManifest(text: string, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    throw corrupt(`manifest ${where} is not valid JSON`, { where });
  }
  if (
    m.format !== MANIFEST_FORMAT ||
    !Array.isArray(m.columns) ||
    !Array.isArray(m.chunks) ||
    !Array.isArray(m.deltas) ||
    typeof m.rows !== 'number'
  ) {
    throw corrupt(`manifest ${where} is not a ${MANIFEST_FORMAT} manifest`, { where });
  }
  noteManifestChunks(m);
  return m;
}

/** The columns rows are identified and ordered by: the key, or the whole row for keyless tables. */
export const identityColumns = (m: Pick<Manifest, 'key' | 'columns'>): string[] => m.key ?? m.columns.map((c) => c.name);

export const allChunkIds = (m: Manifest): string[] => [...m.chunks, ...m.deltas].map((c) => c.id);
