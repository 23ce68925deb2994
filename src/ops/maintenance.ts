import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { allChunkIds, type Manifest } from '../table/manifest.js';
import { chunkDigest } from '../table/chunkid.js';
import { schemaSignature } from '../table/schema.js';
import { OP } from '../table/snapshot.js';
import { indexFiles } from '../table/lineslots.js';
import { rewriteDiffers } from './chunkcheck.js';
import { liveCompactions } from './compacted.js';
import type { RepoContext } from './context.js';
import { readConfig } from './config.js';
import { expireReflogs, expiryCutoff, liveReflogCommits } from './reflog.js';
import { walkCommits } from './history.js';
import { hasChunkSource } from './remote/ondemand.js';
import { readManifest, readTableTree } from './tree.js';
import { repairChunks, type FsckRepair } from './repair.js';

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
  /** With `repair`: what was restored before this (final) check. */
  repair?: FsckRepair;
}

export interface FsckOptions {
  /** Restore missing and damaged chunks from the remotes' stores or the working files, then check again. */
  repair?: boolean;
}

/**
 * The remote-tracking refs (`refs/remotes/<remote>/<branch>`), whether or not the remote is still
 * configured: what they reach is kept and checked too. A killed fetch's scratch refs are not.
 */
async function remoteTrackingRefs(ctx: RepoContext): Promise<string[]> {
  return (await ctx.git.listRefs('refs/remotes')).filter((r) => !r.startsWith('refs/remotes/__lakegit') && !r.endsWith('/HEAD'));
}

/**
 * Every ref (remote-tracking refs included), any saved merge state, and the commits named by
 * reflog entries that have not expired: what keeps a chunk alive. `reflogCutoff` (seconds):
 * entries older than it do not count; by default all do.
 */
async function roots(ctx: RepoContext, reflogCutoff = -Infinity): Promise<string[]> {
  const refs = [
    ...(await ctx.git.listBranches()).map((b) => `refs/heads/${b}`),
    ...(await ctx.git.listTags()).map((t) => `refs/tags/${t}`),
    ...(await remoteTrackingRefs(ctx)),
    'HEAD',
    'refs/stash', // each stash reaches the one before it
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
  out.push(...(await liveReflogCommits(ctx, reflogCutoff)));
  return [...new Set(out)];
}

/** Manifests reachable from every root commit and from the index, keyed by blob. */
async function reachableManifests(
  ctx: RepoContext,
  problems: FsckProblem[],
  reflogCutoff?: number,
): Promise<{ manifests: Map<string, Manifest>; commits: number }> {
  const manifests = new Map<string, Manifest>();
  const seen = new Set<string>();
  const blobs = new Set<string>(Object.values((await ctx.staging.read()).tables).map((e) => e.manifest));
  for (const root of await roots(ctx, reflogCutoff)) {
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

/** `fsck`: every reachable chunk exists and its rows hash to its id; with `repair`, what can be restored is, and it checks again. */
export async function fsck(ctx: RepoContext, opts: FsckOptions = {}): Promise<FsckResult> {
  const first = await check(ctx);
  if (!opts.repair || first.result.problems.length === 0) return first.result;
  const repair = await repairChunks(ctx, first.result.problems, first.manifests);
  return { ...(await check(ctx)).result, repair };
}

async function check(ctx: RepoContext): Promise<{ result: FsckResult; manifests: Iterable<Manifest> }> {
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
  const result = { commits, manifests: manifests.size, chunks: expected.size, problems, ...(notFetched.length ? { notFetched } : {}) };
  return { result, manifests: manifests.values() };
}

export interface GcOptions {
  /** Remove unreachable chunks older than this (`now`, `never`, `2.weeks.ago`, a date); default `gc.pruneExpire`. */
  prune?: string;
}

export interface GcResult {
  removed: number;
  bytes: number;
  kept: number;
  /** Of `kept`: unreachable chunks kept because they are younger than the prune grace period. */
  recent: number;
  /** Reflog entries dropped for being older than `gc.reflogExpire`. */
  expiredReflog: number;
}

/**
 * `gc`: delete the chunks that no ref, remote-tracking ref, index, merge state or live reflog
 * entry reaches and that have been there longer than the prune grace period, and stray
 * temporary files. Reflog entries older than `gc.reflogExpire` are dropped first, as `git gc`
 * runs `reflog expire`. Git objects are never deleted, so an old commit can still be named by id.
 */
export async function gc(ctx: RepoContext, opts: GcOptions = {}): Promise<GcResult> {
  return ctx.locked(async () => {
    const config = await readConfig(ctx);
    const now = Date.now() / 1000;
    const reflogCutoff = expiryCutoff(config['gc.reflogExpire'] ?? '30.days.ago', now, 'gc.reflogExpire');
    const pruneCutoff = expiryCutoff(
      opts.prune ?? config['gc.pruneExpire'] ?? '2.weeks.ago',
      now,
      opts.prune ? '--prune' : 'gc.pruneExpire',
    );
    const expiredReflog = await expireReflogs(ctx, reflogCutoff);
    const { manifests } = await reachableManifests(ctx, [], reflogCutoff);
    const live = new Set([...manifests.values()].flatMap(allChunkIds));
    for (const id of await liveCompactions(ctx, new Set(manifests.keys()))) live.add(id); // what `files` printed
    const { ids, temporary } = await ctx.chunks.list();
    let removed = 0;
    let bytes = 0;
    let recent = 0;
    for (const id of ids) {
      if (live.has(id)) continue;
      const stat = await fsp.stat(ctx.chunks.pathOf(id)).catch(() => undefined);
      if (stat && stat.mtimeMs / 1000 >= pruneCutoff) {
        recent++;
        continue;
      }
      bytes += stat?.size ?? 0;
      await ctx.chunks.remove(id);
      removed++;
    }
    for (const t of temporary) await fsp.rm(t, { force: true });
    await pruneLineIndexes(ctx);
    return { removed, bytes, kept: ids.length - removed, recent, expiredReflog };
  });
}

/** Line indexes (src/table/lineindex.ts) are caches: keep only those the index still names. */
async function pruneLineIndexes(ctx: RepoContext): Promise<void> {
  const dir = ctx.stateFile(path.join('cache', 'lines'));
  const keep = new Set(Object.values((await ctx.staging.read()).tables).flatMap((e) => indexFiles(e.lines)));
  for (const f of await fsp.readdir(dir).catch(() => [] as string[])) {
    if (!keep.has(f)) await fsp.rm(path.join(dir, f), { force: true });
  }
}
