import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { allChunkIds, type Manifest } from '../table/manifest.js';
import { chunkDigest } from '../table/chunkid.js';
import { schemaSignature } from '../table/schema.js';
import { OP } from '../table/snapshot.js';
import { rewriteDiffers } from './chunkcheck.js';
import type { RepoContext } from './context.js';
import { walkCommits } from './history.js';
import { hasChunkSource } from './remote/ondemand.js';
import { readManifest, readTableTree } from './tree.js';

export interface FsckProblem {
  kind: 'missing-chunk' | 'bad-chunk' | 'bad-manifest' | 'bad-commit' | 'bad-ref';
  what: string;
  detail: string;
}
export interface FsckResult {
  commits: number;
  manifests: number;
  chunks: number;
  problems: FsckProblem[];
  /** In a partial clone: chunks a reachable manifest names that are not local yet (a remote's store has them); only when there are some. */
  notFetched?: string[];
}

/** The remote-tracking branches (`refs/remotes/<remote>/<branch>`): what they reach is kept and checked too. */
async function remoteTrackingRefs(ctx: RepoContext): Promise<string[]> {
  const out: string[] = [];
  for (const r of await ctx.git.listRemotes()) {
    if (r.remote.startsWith('__lakegit')) continue; // a killed fetch's scratch refs (src/store/git-remote.ts)
    for (const b of await ctx.git.listRemoteBranches(r.remote)) out.push(`refs/remotes/${r.remote}/${b}`);
  }
  return out;
}

/** Every ref, the index and any saved merge state: what keeps a chunk alive. */
async function roots(ctx: RepoContext): Promise<string[]> {
  const refs = [
    ...(await ctx.git.listBranches()).map((b) => `refs/heads/${b}`),
    ...(await ctx.git.listTags()).map((t) => `refs/tags/${t}`),
    ...(await remoteTrackingRefs(ctx)),
    'HEAD',
  ];
  const out: string[] = [];
  for (const r of refs) {
    const oid = await ctx.git.resolveRef(r);
    if (oid) out.push(await ctx.git.peel(oid).catch(() => oid));
  }
  for (const f of ['MERGE_HEAD', 'ORIG_HEAD', 'REVERT_HEAD', 'CHERRY_PICK_HEAD']) {
    const text = await fsp.readFile(ctx.stateFile(f), 'utf8').catch(() => undefined);
    if (text?.trim()) out.push(text.trim());
  }
  return [...new Set(out)];
}

/** Manifests reachable from every root commit and from the index, keyed by blob. */
async function reachableManifests(
  ctx: RepoContext,
  problems: FsckProblem[],
): Promise<{ manifests: Map<string, Manifest>; commits: number }> {
  const manifests = new Map<string, Manifest>();
  const seen = new Set<string>();
  const blobs = new Set<string>(Object.values((await ctx.staging.read()).tables).map((e) => e.manifest));
  for (const root of await roots(ctx)) {
    if (seen.has(root)) continue;
    try {
      for await (const c of walkCommits(ctx, root)) {
        if (seen.has(c.oid)) continue;
        seen.add(c.oid);
        for (const b of (await readTableTree(ctx, c.oid)).tables.values()) blobs.add(b);
      }
    } catch (e) {
      problems.push({ kind: 'bad-commit', what: root, detail: (e as Error).message });
    }
  }
  for (const b of blobs) {
    try {
      manifests.set(b, await readManifest(ctx, b));
    } catch (e) {
      problems.push({ kind: 'bad-manifest', what: b, detail: (e as Error).message });
    }
  }
  return { manifests, commits: seen.size };
}

/** `fsck`: every reachable chunk exists and its rows hash to its id. */
export async function fsck(ctx: RepoContext): Promise<FsckResult> {
  const problems: FsckProblem[] = [];
  const { manifests, commits } = await reachableManifests(ctx, problems);
  const expected = new Map<string, string>(); // chunk id → schema signature it was hashed with
  for (const m of manifests.values()) {
    const sig = schemaSignature(m.columns);
    for (const c of m.chunks) expected.set(c.id, sig);
    for (const d of m.deltas) expected.set(d.id, schemaSignature([...m.columns, { name: OP, type: 'VARCHAR' }]));
  }
  const engine = expected.size ? await ctx.engine() : undefined;
  const partial = await hasChunkSource(ctx);
  const notFetched: string[] = [];
  for (const [id, sig] of expected) {
    if (!(await ctx.chunks.has(id))) {
      if (partial) notFetched.push(id);
      else problems.push({ kind: 'missing-chunk', what: id, detail: 'chunk file is missing' });
      continue;
    }
    try {
      const actual = await chunkDigest(engine!, ctx.chunks.pathOf(id), sig);
      if (actual !== id) problems.push({ kind: 'bad-chunk', what: id, detail: `rows hash to ${actual}` });
      else if (await rewriteDiffers(engine!, ctx.chunks.pathOf(id))) {
        problems.push({
          kind: 'bad-chunk',
          what: id,
          detail: 'rows are intact but the file differs from a fresh write of them (damaged metadata or statistics)',
        });
      }
    } catch (e) {
      problems.push({ kind: 'bad-chunk', what: id, detail: (e as Error).message.split('\n')[0] });
    }
  }
  return { commits, manifests: manifests.size, chunks: expected.size, problems, ...(notFetched.length ? { notFetched } : {}) };
}

export interface GcResult {
  removed: number;
  bytes: number;
  kept: number;
}

/** `gc`: delete chunks no commit, ref, index or merge state reaches, and stray temporary files. */
export async function gc(ctx: RepoContext): Promise<GcResult> {
  return ctx.locked(async () => {
    const { manifests } = await reachableManifests(ctx, []);
    const live = new Set([...manifests.values()].flatMap(allChunkIds));
    const { ids, temporary } = await ctx.chunks.list();
    let removed = 0;
    let bytes = 0;
    for (const id of ids) {
      if (live.has(id)) continue;
      bytes += await ctx.chunks.size(id);
      await ctx.chunks.remove(id);
      removed++;
    }
    for (const t of temporary) await fsp.rm(t, { force: true });
    await pruneLineIndexes(ctx);
    return { removed, bytes, kept: ids.length - removed };
  });
}

/** Line indexes (src/table/lineindex.ts) are caches: keep only those the index still names. */
async function pruneLineIndexes(ctx: RepoContext): Promise<void> {
  const dir = ctx.stateFile(path.join('cache', 'lines'));
  const keep = new Set(
    Object.values((await ctx.staging.read()).tables)
      .map((e) => e.lines?.file)
      .filter(Boolean),
  );
  for (const f of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (!keep.has(f)) await fsp.rm(path.join(dir, f), { force: true });
  }
}
