import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { chunkFresh } from '../table/changes.js';
import type { Manifest } from '../table/manifest.js';
import { schemaSignature } from '../table/schema.js';
import type { RepoContext } from './context.js';
import type { FsckProblem } from './maintenance.js';
import { fetchChunks, hasChunkSource } from './remote/ondemand.js';
import { dropWork, loadWorkingFile } from './worktree.js';

/** What `fsck --repair` did: the chunks it restored (and from where) and the damaged files it moved aside. */
export interface FsckRepair {
  restored: { id: string; from: string }[];
  /** Damaged chunk files replaced, kept in `.lakegit/damaged/` (a damaged file may still be the only copy of most of its rows). */
  quarantined: string[];
}

const DAMAGED_DIR = 'damaged';

/**
 * Restore the chunks `problems` name as missing or damaged: each damaged file is first moved aside
 * (a chunk id must only ever name its own rows; one nothing replaces goes back), then each chunk is fetched
 * from the remotes' chunk stores (checked against its id, as every fetch is), else rewritten from the working file of a table
 * whose snapshot holds it: the file is chunked as a fresh `add` of its rows would chunk it (same
 * columns, key and scheme), and every chunk whose id is wanted is kept — a base chunk whose rows the
 * file still holds comes back byte for byte. What neither source holds stays a problem.
 */
export async function repairChunks(ctx: RepoContext, problems: FsckProblem[], manifests: Iterable<Manifest>): Promise<FsckRepair> {
  const wanted = new Set(problems.filter((p) => p.kind === 'missing-chunk' || p.kind === 'bad-chunk').map((p) => p.what));
  const repair: FsckRepair = { restored: [], quarantined: [] };
  if (wanted.size === 0) return repair;
  return ctx.locked(async () => {
    for (const p of problems) if (p.kind === 'bad-chunk' && (await quarantine(ctx, p.what))) repair.quarantined.push(p.what);
    if (await hasChunkSource(ctx)) {
      for (const id of wanted) {
        // One at a time: a store that lacks one chunk must not stop the others.
        const got = await fetchChunks(ctx, [id], 'restoring chunks').catch(() => undefined);
        if (got?.chunks) {
          repair.restored.push({ id, from: 'remote chunk store' });
          wanted.delete(id);
        }
      }
    }
    for (const m of distinctSources(manifests, wanted)) {
      if (!m.chunks.some((c) => wanted.has(c.id))) continue;
      for (const id of await fromWorkingFile(ctx, m, wanted)) {
        repair.restored.push({ id, from: m.source.file });
        wanted.delete(id);
      }
    }
    // A damaged file nothing could replace goes back, fsck keeps naming it and nothing changed; so does one a
    // killed repair had moved aside (its chunk now missing), when this run finds no replacement either.
    for (const id of wanted) await fsp.rename(damagedPath(ctx, id), ctx.chunks.pathOf(id)).catch(() => undefined);
    repair.quarantined = repair.quarantined.filter((q) => !wanted.has(q));
    return repair;
  });
}

const damagedPath = (ctx: RepoContext, id: string) => path.join(ctx.stateFile(DAMAGED_DIR), `${id}.parquet`);

/** Move a damaged chunk file out of the store, into `.lakegit/damaged/`. */
async function quarantine(ctx: RepoContext, id: string): Promise<boolean> {
  await fsp.mkdir(ctx.stateFile(DAMAGED_DIR), { recursive: true });
  return fsp
    .rename(ctx.chunks.pathOf(id), damagedPath(ctx, id))
    .then(() => true)
    .catch(() => false);
}

/** The manifests holding a wanted base chunk, one per working file, columns, key and scheme (a file is chunked once for them). */
function distinctSources(manifests: Iterable<Manifest>, wanted: ReadonlySet<string>): Manifest[] {
  const seen = new Map<string, Manifest>();
  for (const m of manifests) {
    if (!m.chunks.some((c) => wanted.has(c.id))) continue;
    const key = JSON.stringify([m.source.file, schemaSignature(m.columns), m.key, m.chunking]);
    if (!seen.has(key)) seen.set(key, m);
  }
  return [...seen.values()];
}

/**
 * The wanted chunks among a fresh chunking of `m`'s working file, read with `m`'s columns: written to a
 * scratch store beside the chunks, the wanted ones renamed into place, the rest dropped. None when the file
 * is gone, unreadable, or no longer has exactly `m`'s columns and types.
 */
async function fromWorkingFile(ctx: RepoContext, m: Manifest, wanted: ReadonlySet<string>): Promise<string[]> {
  if (ctx.bare) return [];
  const engine = await ctx.engine();
  const loaded = await loadWorkingFile(ctx, engine, m.source.file, m.source.format, m).catch(() => undefined);
  if (!loaded) return [];
  const scratch = new ChunkStore(tempName(ctx.gitdir, 'repair', ''));
  try {
    if (schemaSignature(loaded.columns) !== schemaSignature(m.columns)) return [];
    await fsp.mkdir(scratch.dir, { recursive: true });
    const fresh = await chunkFresh(engine, scratch, {
      work: loaded.work,
      columns: m.columns,
      key: m.key,
      source: m.source,
      chunking: m.chunking,
    });
    const restored: string[] = [];
    for (const c of fresh.chunks) {
      if (!wanted.has(c.id) || restored.includes(c.id) || (await ctx.chunks.has(c.id))) continue;
      await fsp.rename(scratch.pathOf(c.id), ctx.chunks.pathOf(c.id));
      restored.push(c.id);
    }
    return restored;
  } finally {
    await dropWork(engine, loaded.work);
    await fsp.rm(scratch.dir, { recursive: true, force: true });
  }
}
