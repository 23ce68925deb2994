import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';
import { tempName } from './fsutil.js';

export type { RemoteChunkStore } from './chunk-object.js';
import { chunkNotInStore, chunkObjectName, type RemoteChunkStore } from './chunk-object.js';

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
