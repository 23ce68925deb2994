import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { notARepository } from '../../errors.js';
import { ChunkStore } from '../../store/chunks.js';
import { STORE_REF } from '../../store/git-remote.js';
import { objectDirsFromEnv, overlayObjectFs } from '../../store/object-dirs.js';
import { openChunkStore, type RemoteChunkStore } from '../../store/remote-store.js';
import { openBare, type RepoContext } from '../context.js';
import { fetchChunks } from './ondemand.js';
import { readStoreCommit } from './store-ref.js';

/** Where a bare repository whose store is elsewhere (a bucket) keeps the chunks its hook has fetched and verified. */
const CACHE = path.join('cache', 'store-chunks');

/**
 * Where the hook reads the pushed commits' chunks: the store the bare repository records in
 * `refs/lakegit/store` (store-ref.ts), to which the pusher uploads them before it sends refs.
 * A directory store (`<dir>/chunks` by default, or an absolute directory) is read in place. A
 * bucket is read through the chunk-store abstraction: each chunk a check needs is downloaded into
 * `<dir>/cache/store-chunks/` and verified against its id before any check reads it (a forged
 * chunk is refused, as a fetch refuses it), and whether the store holds a chunk is asked of the
 * bucket itself (`source`), not of that cache. The S3 endpoint and credentials come from the
 * environment of the git server process that runs the hook (docs/ci.md).
 */
export async function receiveChunkSource(dir: string): Promise<{ local: ChunkStore; bucket?: string }> {
  const probe = await openBare(dir);
  if (!probe) throw notARepository(dir);
  const oid = await probe.git.resolveRef(STORE_REF);
  const named = oid ? await readStoreCommit(probe, oid) : undefined;
  if (named && /^s3:\/\//i.test(named)) return { local: new ChunkStore(path.join(dir, CACHE)), bucket: named };
  if (named && !/^[a-z][a-z0-9+.-]+:\/\//i.test(named))
    return { local: new ChunkStore(path.resolve(dir, named.replace(/^file:\/\//i, ''))) };
  return { local: new ChunkStore(path.join(dir, 'chunks')) };
}

/** The bare repository of a running `pre-receive` hook, seeing the quarantined objects too. */
export async function receivingContext(gitDir: string, env: NodeJS.ProcessEnv): Promise<RepoContext> {
  const dir = path.resolve(gitDir);
  const dirs = objectDirsFromEnv(dir, env);
  const { local, bucket } = await receiveChunkSource(dir);
  const ctx = await openBare(dir, { objectFs: dirs ? overlayObjectFs(dir, dirs) : undefined, chunks: local });
  if (!ctx) throw notARepository(dir);
  if (bucket) {
    // Opened on first use: a push to a branch that is not protected here never loads the S3 SDK.
    let opened: Promise<RemoteChunkStore> | undefined;
    const store = () => (opened ??= fsp.mkdir(local.dir, { recursive: true }).then(() => openChunkStore(bucket)));
    ctx.chunks.source = { display: bucket, has: async (id) => (await store()).has(id) };
    ctx.chunks.fetchMissing = async (ids) => fetchChunks(ctx, ids, 'fetching chunks', [await store()]);
  }
  return ctx;
}
