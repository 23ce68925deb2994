import { promises as fsp } from 'node:fs';
import { BadChunk, MissingChunk } from '../../errors.js';
import type { RemoteChunkStore } from '../../store/remote-store.js';
import { chunkDigest, chunkSignature } from '../../table/chunkid.js';
import type { RepoContext } from '../context.js';
import { listRemotes } from './config.js';
import { storeOf } from './store-ref.js';

/** One step of a chunk transfer, for a progress bar: counts so far and the totals. */
export interface TransferEvent {
  label: string;
  chunks: number;
  totalChunks: number;
  bytes: number;
}
export type TransferReporter = (e: TransferEvent) => void;

let reporter: TransferReporter | undefined;
/** Where transfers report progress (the CLI draws a bar on a terminal); none by default. */
export const setTransferReporter = (r: TransferReporter | undefined) => {
  reporter = r;
};
export const transferReporter = () => reporter;

export const badChunk = (id: string, store: string, detail: string) =>
  new BadChunk(
    `refused chunk ${id} from ${store}: ${detail}`,
    { id, store },
    'the chunk store holds a damaged or forged chunk; nothing of it was kept. Run lakegit fsck where it was pushed from',
  );

/** The chunk stores this repository's remotes name, origin first. */
async function sources(ctx: RepoContext): Promise<RemoteChunkStore[]> {
  const out: RemoteChunkStore[] = [];
  for (const r of await listRemotes(ctx)) if (r.chunks) out.push(await storeOf(r.chunks));
  return out;
}

/** Whether this repository has a remote chunk store, so a missing chunk may just not be fetched yet. */
export async function hasChunkSource(ctx: RepoContext): Promise<boolean> {
  return (await listRemotes(ctx)).some((r) => r.chunks);
}

/**
 * Fetch the chunks among `ids` that are not local from the remotes' stores, checking each against
 * its id (docs/format.md, "Chunk ids") before it is moved into `.lakegit/chunks/`: a chunk whose
 * rows do not hash to its id is deleted and refused. A fetch killed midway leaves only temporary
 * files there, which readers ignore and `gc` removes. `from` names the stores to use instead of
 * the remotes' (a bare repository's hook reads the store it records).
 */
export async function fetchChunks(
  ctx: RepoContext,
  ids: Iterable<string>,
  label = 'fetching chunks',
  from?: RemoteChunkStore[],
): Promise<{ chunks: number; bytes: number }> {
  const wanted: string[] = [];
  for (const id of new Set(ids)) if (!(await ctx.chunks.has(id))) wanted.push(id);
  if (wanted.length === 0) return { chunks: 0, bytes: 0 };
  const stores = from ?? (await sources(ctx));
  if (stores.length === 0)
    throw new MissingChunk(`chunk ${wanted[0]} is missing and no remote names a chunk store`, { id: wanted[0] }, 'run lakegit fsck');
  // DuckDB starts while the first chunks download (it is needed only to verify them).
  const engine = ctx.engine();
  engine.catch(() => undefined); // a failure is reported where a verification awaits it
  const progress = { label, chunks: 0, totalChunks: wanted.length, bytes: 0 };
  reporter?.(progress);
  const queue = [...wanted];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const sig = chunkSignature(id);
      if (!sig) throw new MissingChunk(`chunk ${id} is missing and no manifest read names it`, { id });
      const bytes = await fetchOne(ctx, stores, id, async (tmp) => {
        const db = await engine;
        const actual = await chunkDigest(db, tmp, sig).catch((e: Error) => `unreadable (${e.message.split('\n')[0]})`);
        return actual === id ? undefined : `its rows hash to ${actual}`;
      });
      progress.chunks++;
      progress.bytes += bytes;
      reporter?.(progress);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, wanted.length) }, worker));
  return { chunks: progress.chunks, bytes: progress.bytes };
}

/** Download one chunk from the first store that has it, verify, publish; its size. */
async function fetchOne(
  ctx: RepoContext,
  stores: RemoteChunkStore[],
  id: string,
  verify: (tmp: string) => Promise<string | undefined>,
): Promise<number> {
  let lastMissing: unknown;
  for (const store of stores) {
    const tmp = ctx.chunks.tempPath();
    try {
      const size = await store.get(id, tmp);
      const bad = await verify(tmp);
      if (bad) throw badChunk(id, store.display, bad);
      await ctx.chunks.commitFile(tmp, id);
      return size;
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      if ((e as { code?: string }).code !== 'ChunkNotInStore') throw e;
      lastMissing = e;
    }
  }
  throw lastMissing;
}
