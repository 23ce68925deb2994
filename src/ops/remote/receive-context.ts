import path from 'node:path';
import { notARepository } from '../../errors.js';
import { ChunkStore } from '../../store/chunks.js';
import { objectDirsFromEnv, overlayObjectFs } from '../../store/object-dirs.js';
import { openBare, type RepoContext } from '../context.js';

/**
 * Where the hook reads the pushed commits' chunks: the pusher uploads them to the remote's chunk
 * store before it sends refs. One function, so the store can become the remote's configured one
 * (a directory or a bucket); today the bare repository's own `<dir>/chunks`.
 */
export function receiveChunkSource(gitDir: string): ChunkStore {
  return new ChunkStore(path.join(gitDir, 'chunks'));
}

/** The bare repository of a running `pre-receive` hook, seeing the quarantined objects too. */
export async function receivingContext(gitDir: string, env: NodeJS.ProcessEnv): Promise<RepoContext> {
  const dir = path.resolve(gitDir);
  const dirs = objectDirsFromEnv(dir, env);
  const ctx = await openBare(dir, { objectFs: dirs ? overlayObjectFs(dir, dirs) : undefined, chunks: receiveChunkSource(dir) });
  if (!ctx) throw notARepository(dir);
  return ctx;
}
