import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { exists, tempName } from './fsutil.js';
import { noteCreated } from './journal.js';

const ID = /^[0-9a-f]{64}$/;
const CHUNK_NAME = /^[\\/]([0-9a-f]{64})\.parquet/;

/**
 * Content-addressed Parquet files under `.lakegit/chunks/`. A chunk is written under a temporary
 * name and renamed into place, so a reader never sees half a chunk and a crash leaves only a
 * temporary file that `gc` removes.
 */
export class ChunkStore {
  /** Fetches chunks that are not local (a partial clone's remote store); unset, a missing chunk stays missing. */
  fetchMissing: ((ids: string[]) => Promise<unknown>) | undefined;
  /**
   * The store these chunks are a verified local cache of, when the repository's chunks live
   * elsewhere (a bare remote whose store is a bucket): whether a chunk exists is asked of it.
   */
  source: { readonly display: string; has(id: string): Promise<boolean> } | undefined;
  private readonly present = new Set<string>();

  constructor(readonly dir: string) {}

  /** Make sure the chunks are local, fetching the missing ones when a remote store is known. */
  async ensure(ids: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    for (const id of ids) {
      if (this.present.has(id)) continue;
      if (await this.has(id)) this.present.add(id);
      else missing.push(id);
    }
    if (missing.length && this.fetchMissing) {
      await this.fetchMissing([...new Set(missing)]);
      for (const id of missing) this.present.add(id);
    }
  }

  /** The ids of this store's chunk files a text (a SQL statement) names. */
  idsIn(text: string): string[] {
    const dir = this.dir.replace(/'/g, "''");
    const out: string[] = [];
    for (let at = text.indexOf(dir); at >= 0; at = text.indexOf(dir, at + 1)) {
      const m = CHUNK_NAME.exec(text.slice(at + dir.length, at + dir.length + 74));
      if (m) out.push(m[1]);
    }
    return out;
  }

  pathOf(id: string): string {
    return path.join(this.dir, `${id}.parquet`);
  }

  has(id: string): Promise<boolean> {
    return exists(this.pathOf(id));
  }

  /** A temporary path beside the chunks, to COPY into before `commitFile`. */
  tempPath(): string {
    return tempName(this.dir, 'chunk', '.parquet');
  }

  /** Move a finished temporary file into place; returns its size. Idempotent for equal content. */
  async commitFile(tmp: string, id: string): Promise<number> {
    const handle = await fsp.open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const fresh = !(await exists(this.pathOf(id)));
    await fsp.rename(tmp, this.pathOf(id));
    if (fresh) noteCreated(this.pathOf(id));
    return (await fsp.stat(this.pathOf(id))).size;
  }

  async size(id: string): Promise<number> {
    return (await fsp.stat(this.pathOf(id))).size;
  }

  async list(): Promise<{ ids: string[]; temporary: string[] }> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    const ids: string[] = [];
    const temporary: string[] = [];
    for (const n of names) {
      const id = n.endsWith('.parquet') ? n.slice(0, -'.parquet'.length) : '';
      if (ID.test(id)) ids.push(id);
      else temporary.push(path.join(this.dir, n));
    }
    return { ids, temporary };
  }

  async remove(id: string): Promise<void> {
    await fsp.rm(this.pathOf(id), { force: true });
  }
}
