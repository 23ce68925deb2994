import { createWriteStream, promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChunkNotInStore } from '../errors.js';

/**
 * A remote chunk store: where a remote keeps its Parquet chunks. One file (directory) or one object
 * (S3) per chunk, named `<id>.parquet` under the store's root or prefix, so a store directory has the
 * layout of `.lakegit/chunks/`. A chunk is only ever added, never rewritten: `put` of an id the store
 * holds does nothing.
 */
export interface RemoteChunkStore {
  /** The store's URL as shown to people: no user-info. */
  readonly display: string;
  has(id: string): Promise<boolean>;
  /** Copy the chunk into `dest` (a new file); its size. Throws `ChunkNotInStore` when absent. */
  get(id: string, dest: string): Promise<number>;
  /**
   * Add the chunk from a local file, unless the store has it; whether it was uploaded. `knownMissing`:
   * the caller has just asked `has` and the store said no, so it is not asked again (a round trip per
   * chunk to a bucket); a store where adding could replace an existing chunk still checks.
   */
  put(id: string, file: string, knownMissing?: boolean): Promise<boolean>;
}

export const chunkObjectName = (id: string) => `${id}.parquet`;

export const chunkNotInStore = (id: string, store: string) =>
  new ChunkNotInStore(
    `chunk ${id} is not in the chunk store ${store}`,
    { id, store },
    'the remote is missing data a ref names; run fsck there',
  );

/** Write a stream to a new file. */
export async function streamToFile(body: Readable, dest: string): Promise<number> {
  await pipeline(body, createWriteStream(dest, { flags: 'wx' }));
  return (await fsp.stat(dest)).size;
}
