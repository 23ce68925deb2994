import type { Engine } from '../../engine/db.js';
import { pathList, quoteIdent } from '../../engine/quote.js';
import type { ChunkStore } from '../../store/chunks.js';
import type { ChunkRef, Manifest } from '../../table/manifest.js';
import { TableSnapshot, type KeyReadLimits } from '../../table/snapshot.js';
import type { RepoContext } from '../context.js';
import { readManifest, type TableTree } from '../tree.js';

/**
 * Where a commit's table came from in a parent: the same name; else a table of the parent, gone
 * from the child, with the very same manifest (a pure rename) or the same key and source file or
 * a shared chunk (renamed and changed). Undefined: the commit created the table.
 */
export async function parentTable(
  ctx: RepoContext,
  name: string,
  blob: string | undefined,
  child: TableTree,
  parent: TableTree,
): Promise<{ name: string; blob: string } | undefined> {
  const same = parent.tables.get(name);
  if (same) return { name, blob: same };
  const gone = [...parent.tables].filter(([n]) => !child.tables.has(n));
  const exact = gone.find(([, b]) => b === blob);
  if (exact || !blob) return exact && { name: exact[0], blob: exact[1] };
  const m = await readManifest(ctx, blob);
  const ids = new Set(m.chunks.map((c) => c.id));
  for (const [n, b] of gone) {
    const pm = await readManifest(ctx, b);
    if (JSON.stringify(pm.key) !== JSON.stringify(m.key)) continue;
    if (pm.source.file === m.source.file || pm.chunks.some((c) => ids.has(c.id))) return { name: n, blob: b };
  }
  return undefined;
}

/**
 * Which files can hold the rows that differ between a child and its parent. Equal bases: only
 * the change chunks after their common prefix. Different bases: the base chunks one side has and
 * the other lacks (content-addressed, so shared chunks hold equal rows), plus every change chunk.
 * `exact`: the child is its parent plus one change chunk, which then *is* the diff.
 */
export type ChangeSet =
  { kind: 'none' } | { kind: 'all' } | { kind: 'files'; childBase: string[]; parentBase: string[]; deltas: string[]; exact?: string };

export function changeSet(child: Manifest | undefined, parent: Manifest, store: ChunkStore): ChangeSet {
  if (
    !child ||
    JSON.stringify(child.columns) !== JSON.stringify(parent.columns) ||
    JSON.stringify(child.key) !== JSON.stringify(parent.key)
  )
    return { kind: 'all' };
  const path = (c: ChunkRef) => store.pathOf(c.id);
  const sameBase = child.chunks.length === parent.chunks.length && child.chunks.every((c, i) => c.id === parent.chunks[i].id);
  if (sameBase) {
    let l = 0;
    while (l < child.deltas.length && l < parent.deltas.length && child.deltas[l].id === parent.deltas[l].id) l++;
    const tails = [...child.deltas.slice(l), ...parent.deltas.slice(l)];
    if (tails.length === 0) return { kind: 'none' };
    // A first change chunk over a bare base may be several stagings folded into one: not exact.
    const exact = l === parent.deltas.length && child.deltas.length === l + 1 && l > 0 ? path(child.deltas[l]) : undefined;
    return { kind: 'files', childBase: [], parentBase: [], deltas: tails.map(path), exact };
  }
  const [childOnly, parentOnly] = multisetMinus(child.chunks, parent.chunks);
  return {
    kind: 'files',
    childBase: childOnly.map(path),
    parentBase: parentOnly.map(path),
    deltas: [...child.deltas, ...parent.deltas].map(path),
  };
}

/** Chunk lists as multisets (a keyless table may hold one chunk twice): a − b and b − a. */
function multisetMinus(a: ChunkRef[], b: ChunkRef[]): [ChunkRef[], ChunkRef[]] {
  const count = new Map<string, number>();
  for (const c of b) count.set(c.id, (count.get(c.id) ?? 0) + 1);
  const aOnly = a.filter((c) => {
    const n = count.get(c.id) ?? 0;
    if (n > 0) count.set(c.id, n - 1);
    return n === 0;
  });
  const left = new Map<string, number>();
  for (const c of a) left.set(c.id, (left.get(c.id) ?? 0) + 1);
  const bOnly = b.filter((c) => {
    const n = left.get(c.id) ?? 0;
    if (n > 0) left.set(c.id, n - 1);
    return n === 0;
  });
  return [aOnly, bOnly];
}

/** The columns a base or change chunk file of `m` holds, as a relation over `files`. */
export const readFiles = (files: readonly string[]): string => `read_parquet(${pathList(files)})`;

/**
 * Blame's limits on pruning by key range: only key types whose JSON text in a manifest casts back
 * to the same value, and few enough keys that the range join saves more than it costs.
 */
export const BLAME_KEY_READ: KeyReadLimits = {
  prunable:
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|VARCHAR|DATE|TIMESTAMP|UUID|DECIMAL\(\d+,\d+\))$/,
  maxKeys: 1024,
};

/** The rows of `m` for the keys in work table `keys` (key columns of the manifest's types). */
export function rowsForKeys(engine: Engine, store: ChunkStore, m: Manifest, keys: string): Promise<string> {
  return new TableSnapshot(m, store).rowsForKeys(engine, `SELECT * FROM ${quoteIdent(keys)}`, BLAME_KEY_READ);
}
