import type { Manifest } from '../../table/manifest.js';
import type { RepoContext } from '../context.js';
import { readManifest, type TableTree } from '../tree.js';

/**
 * Tables of the target that the merge result holds under a new name (`mv` on the merged branch):
 * the target's checks of `orders` follow it to `sales`. A table counts as renamed when the target's
 * name is gone from the result, the new name is new to it, the key is the same and the two share
 * chunks (a rename keeps them, content-addressed; edits made with it add change chunks beside them).
 * Where several new tables qualify, the one sharing the most chunks wins.
 */
export async function renamesInto(ctx: RepoContext, target: TableTree, result: TableTree): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const gone = [...target.tables].filter(([name]) => !result.tables.has(name));
  const fresh = [...result.tables].filter(([name]) => !target.tables.has(name));
  if (!gone.length || !fresh.length) return out;
  const taken = new Set<string>();
  for (const [name, blob] of gone.sort()) {
    const before = await readManifest(ctx, blob);
    let best: [string, number] | undefined;
    for (const [to, toBlob] of fresh) {
      if (taken.has(to)) continue;
      const shared = toBlob === blob ? Infinity : sharedChunks(before, await readManifest(ctx, toBlob));
      if (shared > 0 && (!best || shared > best[1])) best = [to, shared];
    }
    if (best) {
      out.set(name, best[0]);
      taken.add(best[0]);
    }
  }
  return out;
}

function sharedChunks(a: Manifest, b: Manifest): number {
  if (JSON.stringify(a.key) !== JSON.stringify(b.key)) return 0;
  const ids = new Set(a.chunks.map((c) => c.id));
  return b.chunks.filter((c) => ids.has(c.id)).length;
}
