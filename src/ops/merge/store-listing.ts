import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { RepoContext } from '../context.js';

/**
 * What a merge adds to the object and chunk stores, so that a merge that is refused, dry-run or
 * aborted leaves them as they were. Computing a merged table writes chunks and manifest blobs
 * before anyone can know whether the merge will be kept; everything the store gained since a
 * listing is exactly that (the caller holds the repository lock).
 */
export type StoreListing = Set<string>;

async function names(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => [] as string[]);
}

/** Every chunk file and loose object, as paths relative to the git directory. */
export async function listStore(ctx: RepoContext): Promise<StoreListing> {
  const out = new Set<string>();
  for (const n of await names(ctx.chunks.dir)) out.add(`chunks/${n}`);
  const objects = path.join(ctx.gitdir, 'objects');
  for (const d of await names(objects)) {
    if (!/^[0-9a-f]{2}$/.test(d)) continue;
    for (const n of await names(path.join(objects, d))) out.add(`objects/${d}/${n}`);
  }
  return out;
}

export async function addedSince(ctx: RepoContext, before: StoreListing): Promise<string[]> {
  return [...(await listStore(ctx))].filter((p) => !before.has(p));
}

/** Remove store entries a merge added (and object folders left empty by that). */
export async function removeEntries(ctx: RepoContext, entries: readonly string[]): Promise<void> {
  const dirs = new Set<string>();
  for (const e of entries) {
    if (!/^(chunks\/[^/]+|objects\/[0-9a-f]{2}\/[0-9a-f]+)$/.test(e)) continue;
    await fsp.rm(path.join(ctx.gitdir, e), { force: true });
    if (e.startsWith('objects/')) dirs.add(path.join(ctx.gitdir, path.dirname(e)));
  }
  for (const d of dirs) await fsp.rmdir(d).catch(() => undefined);
}

/** Run `body`; if it throws, or `discard` says so, whatever it added to the stores is removed. */
export async function scratchWrites<T>(ctx: RepoContext, body: () => Promise<T>, discard: (result: T) => boolean): Promise<T> {
  const before = await listStore(ctx);
  let result: T;
  try {
    result = await body();
  } catch (e) {
    await removeEntries(ctx, await addedSince(ctx, before));
    throw e;
  }
  if (discard(result)) await removeEntries(ctx, await addedSince(ctx, before));
  return result;
}
