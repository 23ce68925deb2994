import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import type { Bench } from './context.js';
import { changesOnHead, keysOf, progress, type History } from './history.js';
import { git, lakegit, type ProcResult } from './proc.js';
import { closeServer, gitHttpServer, listen, startS3rver, type S3Server } from './servers.js';

/**
 * The remote figures' world, built once: s3rver and `git http-backend` on loopback (bench/servers.ts,
 * the same servers the tests start), a bare lakegit remote whose chunks live in the bucket, and a
 * working repository `src` (a copy of the shared history's, so the history itself is untouched)
 * that pushes to it. The git server counts the bytes it serves, so a figure can say what a client
 * downloaded over HTTP.
 */
export interface RemoteWorld {
  root: string;
  url: string;
  gitRoot: string;
  gitUrl: string;
  s3: S3Server;
  bucket: string;
  /** Environment every lakegit and baseline process gets: the S3 SDK's, pointed at s3rver. */
  env: Record<string, string>;
  src: string;
  /** The generator table holding src's current rows of `orders`. */
  table: string;
  h: History;
  /** Keys the world's own commits have touched, so later draws avoid them. */
  touched: Set<number>;
  servedBytes: () => number;
  close(): Promise<void>;
}

export const BUCKET = 'lake';

export async function openWorld(bench: Bench, h: History): Promise<RemoteWorld> {
  const root = await bench.dir('remote');
  const gitRoot = path.join(root, 'git');
  await fsp.mkdir(gitRoot);
  const s3 = await startS3rver(path.join(root, 's3'), [BUCKET]);
  let served = 0;
  const server: http.Server = gitHttpServer(gitRoot, { env: s3.env, onResponseBytes: (n) => (served += n) });
  const gitUrl = await listen(server);
  const env = { ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // the baseline uploads from this process
  const src = path.join(root, 'src');
  await fsp.cp(h.lake, src, { recursive: true });
  const table = 'orders_remote';
  await bench.gen.copyTable(h.table, table);
  await lakegit(gitRoot, ['init', '--bare', path.join(gitRoot, 'lake.git'), '--chunks', `s3://${BUCKET}/orders`], env);
  await lakegit(src, ['remote', 'add', 'origin', `${gitUrl}/lake.git`], env);
  return {
    root,
    url: `${gitUrl}/lake.git`,
    gitRoot,
    gitUrl,
    s3,
    bucket: BUCKET,
    env,
    src,
    table,
    h,
    touched: new Set(),
    servedBytes: () => served,
    async close() {
      await closeServer(server);
      await s3.close();
    },
  };
}

/** Run lakegit with the world's S3 environment. */
export const lg = (w: RemoteWorld, cwd: string, args: string[], allowFail = false): Promise<ProcResult> =>
  lakegit(cwd, args, w.env, allowFail);

export const revParse = async (repo: string, rev: string): Promise<string> =>
  (await git(repo, ['--git-dir', path.join(repo, '.lakegit'), 'rev-parse', rev])).stdout.trim();

/** One commit of k changed rows of `orders` on src's current branch (untimed). */
export async function commitChanges(bench: Bench, w: RemoteWorld, k: number, v: number): Promise<void> {
  const changes = await changesOnHead(bench, w.h, k, w.touched);
  for (const id of keysOf(changes)) w.touched.add(id);
  await bench.gen.apply(w.table, v, changes);
  await bench.gen.writeCsv(w.table, path.join(w.src, 'orders.csv'));
  await lg(w, w.src, ['commit', '-a', '-m', `remote bench: ${k} rows`]);
}

/** The chunk ids the manifests of a commit name (every table), read with plain git. */
export async function chunksOf(repo: string, commit: string): Promise<Set<string>> {
  const gitDir = path.join(repo, '.lakegit');
  const names = (await git(repo, ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', commit, 'tables/'])).stdout
    .split('\n')
    .filter(Boolean);
  const ids = new Set<string>();
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    const m = JSON.parse((await git(repo, ['--git-dir', gitDir, 'show', `${commit}:${n}`])).stdout) as {
      chunks?: { id: string }[];
      deltas?: { id: string }[];
    };
    for (const c of [...(m.chunks ?? []), ...(m.deltas ?? [])]) ids.add(c.id);
  }
  return ids;
}

/** Bytes of a commit's chunk files in a repository that has them all. */
export async function chunkBytes(repo: string, ids: Iterable<string>): Promise<number> {
  let n = 0;
  for (const id of ids) n += (await fsp.stat(path.join(repo, '.lakegit', 'chunks', `${id}.parquet`))).size;
  return n;
}

/** The commits `to` reaches that `from` does not, oldest first. */
export async function commitsBetween(repo: string, from: string, to: string): Promise<string[]> {
  const out = (await git(repo, ['--git-dir', path.join(repo, '.lakegit'), 'rev-list', '--reverse', `${from}..${to}`])).stdout;
  return out.split('\n').filter(Boolean);
}

export { progress };
