import { promises as fsp } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine } from '../../engine/db.js';
import { BadChunk, MissingChunk } from '../../errors.js';
import type { RemoteChunkStore } from '../../store/remote-store.js';
import { chunkDigest, chunkSignature } from '../../table/chunkid.js';
import { chunkIdsOf } from '../../table/chunk-verify.js';
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
 *
 * Downloads (four at a time) and checks overlap: two checkers, each on its own DuckDB connection,
 * take the chunks downloaded so far in batches and hash each batch in one statement
 * (`chunkIdsOf`); a chunk whose batch id differs is checked again by itself (`chunkDigest`, the
 * check that decides) before it is refused.
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
  for (const id of wanted) if (!chunkSignature(id)) throw new MissingChunk(`chunk ${id} is missing and no manifest read names it`, { id });
  // DuckDB starts while the first chunks download: it is needed only to check them.
  const lanes = ctx.engine().then(async (engine) => ({ engine, second: wanted.length > 1 ? await engine.lane() : undefined }));
  lanes.catch(() => undefined); // a failure is reported where a checker awaits it
  const progress = { label, chunks: 0, totalChunks: wanted.length, bytes: 0 };
  reporter?.(progress);
  const run = new Transfer(wanted);
  const checker = async (lane: 'first' | 'second') => {
    const { engine, second } = await lanes;
    const conn = lane === 'first' ? engine.conn : second;
    if (!conn) return;
    for (let batch = await run.batch(); batch; batch = await run.batch()) {
      for (const c of await checkBatch(ctx, engine, conn, batch)) {
        progress.chunks++;
        progress.bytes += c.size;
        reporter?.(progress);
      }
    }
  };
  const downloader = async () => {
    for (let id = run.next(); id; id = run.next()) run.downloaded(await download(ctx, stores, id));
  };
  try {
    await run.all([...Array.from({ length: Math.min(4, wanted.length) }, downloader), checker('first'), checker('second')]);
  } finally {
    (await lanes.catch(() => undefined))?.second?.closeSync();
  }
  return { chunks: progress.chunks, bytes: progress.bytes };
}

/** A downloaded chunk not yet checked: its temporary file, and the store it came from. */
interface Downloaded {
  id: string;
  sig: string;
  tmp: string;
  size: number;
  store: RemoteChunkStore;
}

/** Most chunks one check reads: a UNION ALL branch each, and planning grows faster than linearly with them. */
const MAX_BATCH = 64;

/** The chunks of one fetch between downloaders and checkers; on the first failure everything stops and nothing unchecked stays. */
class Transfer {
  private readonly queue: string[];
  private readonly ready: Downloaded[] = [];
  private left: number;
  private failed = false;
  private wake: (() => void)[] = [];

  constructor(ids: readonly string[]) {
    this.queue = [...ids];
    this.left = ids.length;
  }

  next(): string | undefined {
    return this.failed ? undefined : this.queue.shift();
  }

  downloaded(c: Downloaded): void {
    if (this.failed) void fsp.rm(c.tmp, { force: true });
    else this.ready.push(c);
    this.left--;
    this.signal();
  }

  /** The next chunks to check (one signature; a share, so the other checker gets some), or undefined when all are. */
  async batch(): Promise<Downloaded[] | undefined> {
    for (;;) {
      if (this.failed) return undefined;
      if (this.ready.length) {
        const sig = this.ready[0].sig;
        const same = this.ready.filter((c) => c.sig === sig);
        const take = new Set(same.slice(0, Math.min(MAX_BATCH, Math.ceil(same.length / 2))));
        const out = this.ready.filter((c) => take.has(c));
        this.ready.splice(0, this.ready.length, ...this.ready.filter((c) => !take.has(c)));
        return out;
      }
      if (this.left === 0) return undefined;
      await new Promise<void>((resolve) => this.wake.push(resolve));
    }
  }

  /** Run the workers; on a failure the others stop after what they hold, and downloaded files not checked are removed. */
  async all(workers: Promise<void>[]): Promise<void> {
    const done = await Promise.allSettled(
      workers.map((w) =>
        w.catch((e: unknown) => {
          this.failed = true;
          this.signal();
          throw e;
        }),
      ),
    );
    for (const c of this.ready.splice(0)) await fsp.rm(c.tmp, { force: true });
    const failure = done.find((d) => d.status === 'rejected');
    if (failure) throw failure.reason;
  }

  private signal(): void {
    for (const w of this.wake.splice(0)) w();
  }
}

/** Download one chunk from the first store that has it, to a temporary file beside the chunks. */
async function download(ctx: RepoContext, stores: RemoteChunkStore[], id: string): Promise<Downloaded> {
  let lastMissing: unknown;
  for (const store of stores) {
    const tmp = ctx.chunks.tempPath();
    try {
      const size = await store.get(id, tmp);
      return { id, sig: chunkSignature(id)!, tmp, size, store };
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      if ((e as { code?: string }).code !== 'ChunkNotInStore') throw e;
      lastMissing = e;
    }
  }
  throw lastMissing;
}

/**
 * Check a batch of downloaded chunks against their ids and move those that pass into place, in
 * order; the first that fails is deleted and refused (with the rest of the batch). The ones moved.
 */
async function checkBatch(ctx: RepoContext, engine: Engine, conn: DuckDBConnection, batch: Downloaded[]): Promise<Downloaded[]> {
  const moved: Downloaded[] = [];
  try {
    const ids = await chunkIdsOf(
      conn,
      batch.map((c) => c.tmp),
      batch[0].sig,
      ctx.chunks.dir,
    ).catch(() => undefined); // an unreadable file: each is read by itself below, which names it
    for (const [i, c] of batch.entries()) {
      const actual =
        ids?.[i] === c.id ? c.id : await chunkDigest(engine, c.tmp, c.sig).catch((e: Error) => `unreadable (${e.message.split('\n')[0]})`);
      if (actual !== c.id) throw badChunk(c.id, c.store.display, `its rows hash to ${actual}`);
      await ctx.chunks.commitFile(c.tmp, c.id);
      moved.push(c);
    }
    return moved;
  } finally {
    for (const c of batch) if (!moved.includes(c)) await fsp.rm(c.tmp, { force: true });
  }
}
