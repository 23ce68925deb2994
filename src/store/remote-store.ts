import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ChunkNotInStore, badInput } from '../errors.js';
import { tempName } from './fsutil.js';

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
  /** Add the chunk from a local file, unless the store has it; whether it was uploaded. */
  put(id: string, file: string): Promise<boolean>;
}

export const chunkObjectName = (id: string) => `${id}.parquet`;

export const chunkNotInStore = (id: string, store: string) =>
  new ChunkNotInStore(
    `chunk ${id} is not in the chunk store ${store}`,
    { id, store },
    'the remote is missing data a ref names; run fsck there',
  );

/** `https://user:secret@host/x` → `https://host/x`: what may be printed or written to disk. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** The user-info of a URL, when it carries one (used for this command only, never stored). */
export function urlCredentials(url: string): { username: string; password: string } | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/@]*)@/i.exec(url);
  if (!m) return undefined;
  const [user, pass = ''] = m[1].split(':');
  return { username: decodeURIComponent(user), password: decodeURIComponent(pass) };
}

/**
 * The store a URL names: `s3://bucket/prefix`, `file:///abs/dir`, or a directory path. A relative
 * path is resolved against `base` (the remote's own directory, for `init --bare`'s default `chunks`).
 */
export async function openChunkStore(url: string, base?: string): Promise<RemoteChunkStore> {
  if (/^s3:\/\//i.test(url)) {
    const { S3ChunkStore } = await import('./s3-store.js');
    return S3ChunkStore.fromUrl(url);
  }
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(url) && !/^file:\/\//i.test(url))
    throw badInput(
      `unsupported chunk store URL '${redactUrl(url)}'`,
      { url: redactUrl(url) },
      'use s3://bucket/prefix or a directory path',
    );
  const dir = url.replace(/^file:\/\//i, '');
  if (!path.isAbsolute(dir) && !base)
    throw badInput(
      `the chunk store '${dir}' is a relative directory, which this remote's clients cannot reach`,
      { url },
      'give --chunks <s3://… or absolute directory>',
    );
  return new DirChunkStore(path.resolve(base ?? '/', dir));
}

/** A store that is a directory (local or a shared mount). */
class DirChunkStore implements RemoteChunkStore {
  constructor(readonly dir: string) {}
  get display() {
    return this.dir;
  }
  private pathOf(id: string) {
    return path.join(this.dir, chunkObjectName(id));
  }
  async has(id: string): Promise<boolean> {
    return fsp.access(this.pathOf(id)).then(
      () => true,
      () => false,
    );
  }
  async get(id: string, dest: string): Promise<number> {
    try {
      await fsp.copyFile(this.pathOf(id), dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw chunkNotInStore(id, this.display);
      throw e;
    }
    return (await fsp.stat(dest)).size;
  }
  async put(id: string, file: string): Promise<boolean> {
    if (await this.has(id)) return false;
    await fsp.mkdir(this.dir, { recursive: true });
    const tmp = tempName(this.dir, 'push', '.parquet');
    try {
      await fsp.copyFile(file, tmp);
      const h = await fsp.open(tmp, 'r');
      await h.sync().finally(() => h.close());
      // link, not rename: it fails rather than replace a chunk another push added meanwhile.
      await fsp.link(tmp, this.pathOf(id)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    return true;
  }
}

/** Write a stream to a new file. */
export async function streamToFile(body: Readable, dest: string): Promise<number> {
  await pipeline(body, createWriteStream(dest, { flags: 'wx' }));
  return (await fsp.stat(dest)).size;
}
