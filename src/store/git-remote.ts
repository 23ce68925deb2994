import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';
import { gitLib } from './git.js';
import { atomicObjectFs } from './object-dirs.js';
import { redactUrl } from './remote-store.js';
import { authEnv, forgetAdvertisements, git, http, isPathUrl, networkError, onAuthFor, pathOf } from './git-transport.js';

/**
 * Moving the commit graph from another git repository (pushing it is git-push.ts). Smart HTTP(S)
 * goes through isomorphic-git's node http client; a local path goes through the `git` program
 * itself, because isomorphic-git speaks only HTTP and because git runs the receiving repository's
 * hooks (`pre-receive`) on a local push exactly as a server does.
 */
export const STORE_REF = 'refs/lakegit/store';

export interface RemoteRefs {
  refs: Map<string, string>;
  /** The branch the remote's HEAD names (`refs/heads/main`), when it says. */
  head?: string;
}

/**
 * The remote's refs and what its HEAD names. `forPush`: listed as a push sees them (git's
 * receive-pack, which does not name HEAD's branch), so the push that follows reuses the listing.
 */
export async function listRemoteRefs(url: string, opts: { forPush?: boolean } = {}): Promise<RemoteRefs> {
  if (isPathUrl(url)) {
    const dir = pathOf(url);
    if (!fs.existsSync(path.join(dir, 'HEAD')) && !fs.existsSync(path.join(dir, '.git', 'HEAD')))
      throw badInput(`'${dir}' is not a git repository`, { url: dir }, "create one with 'lakegit init --bare'");
    const { stdout } = await git(['ls-remote', '--symref', dir]);
    const refs = new Map<string, string>();
    let head: string | undefined;
    for (const line of stdout.split('\n')) {
      const sym = /^ref: (\S+)\tHEAD$/.exec(line);
      if (sym) head = sym[1];
      const m = /^([0-9a-f]{40})\t(\S+)$/.exec(line);
      if (m && !m[2].endsWith('^{}')) refs.set(m[2], m[1]);
    }
    return { refs, head };
  }
  forgetAdvertisements();
  try {
    const listing = await (
      await gitLib()
    ).listServerRefs({
      http: http(),
      url: redactUrl(url),
      onAuth: onAuthFor(url),
      protocolVersion: 1,
      symrefs: true,
      forPush: !!opts.forPush,
    });
    const refs = new Map<string, string>();
    let head: string | undefined;
    for (const r of listing) {
      if (r.ref === 'HEAD' && r.target) head = r.target;
      if (!r.ref.endsWith('^{}')) refs.set(r.ref, r.oid);
    }
    return { refs, head };
  } catch (e) {
    throw networkError(url, e);
  }
}

/**
 * Fetch every branch into `refs/remotes/<remote>/*` (pruning those the remote dropped), its tags,
 * and the objects of the chunk-store ref. The caller passes the refs it listed. Objects land
 * before any ref names them, so a fetch killed at any instant leaves a readable repository.
 */
export async function fetchGraph(
  gitdir: string,
  remote: string,
  url: string,
  listed: RemoteRefs,
  extra: [from: string, to: string][] = [],
): Promise<void> {
  if (listed.refs.size === 0) return;
  const local = isPathUrl(url);
  const source = local ? pathOf(url) : redactUrl(url);
  const env = local ? undefined : { env: authEnv(url) };
  // Other refs the caller copies (`extra`: the remote's ref → a local one), those the remote has.
  const extraSpecs = extra.filter(([from]) => listed.refs.has(from)).map(([from, to]) => `+${from}:${to}`);
  // A path remote is fetched by git itself. So is an HTTP remote whose HEAD names no commit (only the
  // chunk-store ref yet, or a default branch never pushed): isomorphic-git reads HEAD before it stores anything.
  if (local || !listed.refs.has('HEAD')) {
    const specs = [`+refs/heads/*:refs/remotes/${remote}/*`, ...(listed.refs.has(STORE_REF) ? [STORE_REF] : []), ...extraSpecs];
    const args = ['--git-dir', gitdir, '-c', 'gc.auto=0', 'fetch', '--quiet', '--prune', '--tags', '--no-write-commit-graph', source];
    await git([...args, ...specs], env);
  } else {
    await fetchHttp(gitdir, remote, url, listed);
    // isomorphic-git fetches one ref besides the branches: git itself brings the others, objects before refs.
    if (extraSpecs.length) {
      const args = ['--git-dir', gitdir, '-c', 'gc.auto=0', 'fetch', '--quiet', '--no-tags', '--no-write-commit-graph', source];
      await git([...args, ...extraSpecs], env);
    }
  }
  if (listed.head) {
    const file = path.join(gitdir, 'refs', 'remotes', remote, 'HEAD');
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, `ref: refs/remotes/${remote}/${listed.head.replace(/^refs\/heads\//, '')}\n`);
  }
}

/**
 * isomorphic-git writes the remote's refs before the pack that holds their objects, and writes the
 * pack in place: it fetches here under a scratch remote name, through an fs whose writes are
 * atomic (a killed fetch leaves no truncated pack or index), and the refs are moved to `refs/remotes/<remote>/` once the objects are in.
 */
async function fetchHttp(gitdir: string, remote: string, url: string, listed: RemoteRefs): Promise<void> {
  const scratch = `__lakegit_fetch_${process.pid}`;
  const scratchDir = path.join(gitdir, 'refs', 'remotes', scratch);
  const remoteRef = listed.refs.has(STORE_REF) ? STORE_REF : undefined;
  const lib = await gitLib();
  // A fetch killed before it cleaned up left its scratch remote; the caller holds the repository lock.
  for (const r of await lib.listRemotes({ fs, gitdir }).catch(() => [])) {
    if (!r.remote.startsWith('__lakegit_fetch_')) continue;
    await fs.promises.rm(path.join(gitdir, 'refs', 'remotes', r.remote), { recursive: true, force: true });
    await lib.deleteRemote({ fs, gitdir, remote: r.remote });
  }
  await lib.setConfig({ fs, gitdir, path: `remote.${scratch}.fetch`, value: `+refs/heads/*:refs/remotes/${scratch}/*` });
  try {
    await lib.fetch({
      fs: atomicObjectFs,
      http: http(),
      gitdir,
      url: redactUrl(url),
      remote: scratch,
      remoteRef,
      tags: false,
      onAuth: onAuthFor(url),
    });
  } catch (e) {
    throw networkError(url, e);
  } finally {
    await fs.promises.rm(scratchDir, { recursive: true, force: true });
    await lib.deleteRemote({ fs, gitdir, remote: scratch });
  }
  const heads = [...listed.refs].filter(([r]) => r.startsWith('refs/heads/'));
  const dir = path.join(gitdir, 'refs', 'remotes', remote);
  for (const [ref, oid] of heads) await writeRef(path.join(dir, ref.slice('refs/heads/'.length)), oid);
  const keep = new Set(heads.map(([r]) => r.slice('refs/heads/'.length)));
  for (const b of await (await gitLib()).listBranches({ fs, gitdir, remote }))
    if (b !== 'HEAD' && !keep.has(b)) await fs.promises.rm(path.join(dir, b), { force: true });
  for (const [ref, oid] of listed.refs) {
    if (!ref.startsWith('refs/tags/')) continue;
    const file = path.join(gitdir, ref);
    if (!fs.existsSync(file) && (await hasObject(gitdir, oid))) await writeRef(file, oid);
  }
}

async function hasObject(gitdir: string, oid: string): Promise<boolean> {
  return (await gitLib())
    .readObject({ fs, gitdir, oid, format: 'deflated' })
    .then(() => true)
    .catch(() => false);
}

async function writeRef(file: string, oid: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, `${oid}\n`);
  await fs.promises.rename(tmp, file);
}
