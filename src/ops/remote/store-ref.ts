import { badInput } from '../../errors.js';
import { isPathUrl } from '../../store/git-transport.js';
import { openChunkStore, type RemoteChunkStore } from '../../store/remote-store.js';
import type { GitStore } from '../../store/git.js';
import type { RepoContext } from '../context.js';

/**
 * Where a remote keeps its chunks is recorded in the remote's git repository itself, so that a
 * plain git host (refs and objects only) carries it: the ref `refs/lakegit/store` names a commit
 * whose tree holds one file, `store.json`: `{"format": "lakegit.store/1", "chunks": "<url>"}`.
 * `chunks` is `s3://bucket/prefix`, an absolute directory, or a directory relative to the remote
 * repository (only reachable by clients that reach the remote as a path).
 */
const STORE_FORMAT = 'lakegit.store/1';
const STORE_FILE = 'store.json';

export async function writeStoreCommit(git: GitStore, chunks: string): Promise<string> {
  const blob = await git.writeBlob(`${JSON.stringify({ format: STORE_FORMAT, chunks }, null, 1)}\n`);
  const tree = await git.writeTree([{ path: STORE_FILE, oid: blob, mode: '100644', type: 'blob' }]);
  const who = { name: 'lakegit', email: 'lakegit@localhost', timestamp: 0, timezoneOffset: 0 };
  return git.writeCommit({ tree, parents: [], message: `lakegit chunk store: ${chunks}\n`, author: who });
}

export async function readStoreCommit(ctx: RepoContext, oid: string): Promise<string | undefined> {
  try {
    const c = await ctx.git.readCommit(oid);
    const entry = (await ctx.git.readTree(c.tree)).find((e) => e.path === STORE_FILE);
    if (!entry) return undefined;
    const j = JSON.parse(await ctx.git.readText(entry.oid)) as { format?: string; chunks?: string };
    return j.format === STORE_FORMAT && typeof j.chunks === 'string' ? j.chunks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The store URL a client uses, from what the remote names: a relative directory means one inside
 * a path remote, and cannot be reached through HTTP.
 */
export function resolveStoreUrl(named: string, remoteUrl: string): string {
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(named) && !/^file:\/\//i.test(named)) return named;
  const dir = named.replace(/^file:\/\//i, '');
  if (dir.startsWith('/')) return dir;
  if (!isPathUrl(remoteUrl))
    throw badInput(
      `the remote keeps its chunks in '${dir}' inside its own directory, which cannot be reached over HTTP`,
      { url: remoteUrl },
      'name a store its clients can reach: lakegit remote add <name> <url> --chunks s3://bucket/prefix (or a shared absolute directory)',
    );
  return `${remoteUrl.replace(/^file:\/\//i, '').replace(/\/+$/, '')}/${dir}`;
}

export const storeOf = (url: string): Promise<RemoteChunkStore> => openChunkStore(url);
