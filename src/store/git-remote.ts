import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { GitFailed, GitMissing, LakegitError, RemoteNotFound, RemoteUnreachable, badInput } from '../errors.js';
import { gitLib } from './git.js';
import { redactUrl, urlCredentials } from './remote-store.js';

/**
 * Moving the commit graph to and from another git repository. Smart HTTP(S) goes through
 * isomorphic-git's node http client; a local path goes through the `git` program itself, because
 * isomorphic-git speaks only HTTP and because git runs the receiving repository's hooks
 * (`pre-receive`) on a local push exactly as a server does.
 */
export const STORE_REF = 'refs/lakegit/store';

export const isPathUrl = (url: string) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^file:\/\//i.test(url);
const pathOf = (url: string) => url.replace(/^file:\/\//i, '');

export interface RemoteRefs {
  refs: Map<string, string>;
  /** The branch the remote's HEAD names (`refs/heads/main`), when it says. */
  head?: string;
}
export interface PushUpdate {
  /** A local ref name (`refs/heads/main`), or undefined to delete `dst`. */
  src?: string;
  dst: string;
  force: boolean;
}
export interface PushOutcome {
  dst: string;
  ok: boolean;
  /** Why the remote (or the fast-forward rule) refused it. */
  reason?: 'non-fast-forward' | 'stale' | 'declined' | 'other';
  detail?: string;
}

type Auth = { username: string; password: string };

/** HTTP credentials: the URL's user-info (this command only), LAKEGIT_HTTP_USERNAME/PASSWORD, then `git credential fill`. */
function onAuthFor(url: string) {
  const inline = urlCredentials(url);
  let asked = 0;
  return async (authUrl: string): Promise<Auth | { cancel: true }> => {
    if (asked++ > 0) return { cancel: true };
    if (inline) return inline;
    if (process.env.LAKEGIT_HTTP_USERNAME || process.env.LAKEGIT_HTTP_PASSWORD)
      return { username: process.env.LAKEGIT_HTTP_USERNAME ?? '', password: process.env.LAKEGIT_HTTP_PASSWORD ?? '' };
    return (await credentialFill(authUrl)) ?? { cancel: true };
  };
}

function credentialFill(url: string): Promise<Auth | undefined> {
  const u = new URL(redactUrl(url));
  const input = `protocol=${u.protocol.replace(':', '')}\nhost=${u.host}\npath=${u.pathname.replace(/^\//, '')}\n\n`;
  return new Promise((resolve) => {
    const child = spawn('git', ['credential', 'fill'], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      if (code !== 0) return resolve(undefined);
      const kv = Object.fromEntries(out.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      resolve(
        kv.username !== undefined || kv.password !== undefined ? { username: kv.username ?? '', password: kv.password ?? '' } : undefined,
      );
    });
    child.stdin.end(input);
  });
}

const httpLib = () =>
  (typeof require === 'function' ? require('isomorphic-git/http/node') : createRequire(import.meta.url)('isomorphic-git/http/node')) as {
    default?: unknown;
  };
const http = () => {
  const m = httpLib();
  return (m.default ?? m) as never;
};

/** Run git on a repository; stdout, or a typed error carrying git's message. */
function git(
  args: string[],
  opts: { allowFail?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...opts.env };
    for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY']) delete env[k];
    execFile('git', args, { env, maxBuffer: 64 * 1024 * 1024 }, (e, stdout, stderr) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : -1) : 0;
      if (code === -1) return reject(new GitMissing(`cannot run git: ${(e as Error).message}`, {}, 'install git: path remotes use it'));
      if (code !== 0 && !opts.allowFail)
        return reject(new GitFailed(`git ${args[2] ?? args[0]}: ${stderr.trim().split('\n').pop()}`, { stderr }));
      resolve({ code, stdout, stderr });
    });
  });
}

function networkError(url: string, e: unknown): LakegitError {
  if (e instanceof LakegitError) return e;
  const err = e as { code?: string; message?: string; data?: { statusCode?: number } };
  const status = err.data?.statusCode;
  const msg = `cannot reach the remote ${redactUrl(url)}: ${status ? `HTTP ${status}` : (err.code ?? err.message ?? String(e))}`;
  const hint =
    status === 401 || status === 403
      ? 'give credentials with LAKEGIT_HTTP_USERNAME/LAKEGIT_HTTP_PASSWORD or a git credential helper'
      : 'check the URL with lakegit remote -v';
  return new (status === 404 ? RemoteNotFound : RemoteUnreachable)(msg, { url: redactUrl(url) }, hint);
}

/** The remote's refs and what its HEAD names. */
export async function listRemoteRefs(url: string): Promise<RemoteRefs> {
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
  try {
    const listing = await (
      await gitLib()
    ).listServerRefs({ http: http(), url: redactUrl(url), onAuth: onAuthFor(url), protocolVersion: 1, symrefs: true });
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
export async function fetchGraph(gitdir: string, remote: string, url: string, listed: RemoteRefs): Promise<void> {
  if (listed.refs.size === 0) return;
  const local = isPathUrl(url);
  // A path remote is fetched by git itself. So is an HTTP remote whose HEAD names no commit (only the
  // chunk-store ref yet, or a default branch never pushed): isomorphic-git reads HEAD before it stores anything.
  if (local || !listed.refs.has('HEAD')) {
    const specs = [`+refs/heads/*:refs/remotes/${remote}/*`, ...(listed.refs.has(STORE_REF) ? [STORE_REF] : [])];
    const source = local ? pathOf(url) : redactUrl(url);
    const args = ['--git-dir', gitdir, '-c', 'gc.auto=0', 'fetch', '--quiet', '--prune', '--tags', '--no-write-commit-graph', source];
    await git([...args, ...specs], local ? undefined : { env: authEnv(url) });
  } else {
    await fetchHttp(gitdir, remote, url, listed);
  }
  if (listed.head) {
    const file = path.join(gitdir, 'refs', 'remotes', remote, 'HEAD');
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, `ref: refs/remotes/${remote}/${listed.head.replace(/^refs\/heads\//, '')}\n`);
  }
}

/** `http.extraHeader` for git, when credentials are known without asking (URL or environment). */
function authEnv(url: string): NodeJS.ProcessEnv {
  const c =
    urlCredentials(url) ??
    (process.env.LAKEGIT_HTTP_USERNAME || process.env.LAKEGIT_HTTP_PASSWORD
      ? { username: process.env.LAKEGIT_HTTP_USERNAME ?? '', password: process.env.LAKEGIT_HTTP_PASSWORD ?? '' }
      : undefined);
  if (!c) return {};
  const basic = Buffer.from(`${c.username}:${c.password}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}

/**
 * isomorphic-git writes the remote's refs before the pack that holds their objects, and writes the
 * pack in place: it fetches here under a scratch remote name, through an fs whose pack and index
 * writes are atomic, and the refs are moved to `refs/remotes/<remote>/` once the objects are in.
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
      fs: atomicPackFs,
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

/** node's fs, with `.pack`/`.idx` files written to a temporary name and renamed (the index last). */
const atomicPackFs = {
  ...fs,
  promises: {
    ...fs.promises,
    writeFile: async (
      file: fs.PathLike,
      data: Parameters<typeof fs.promises.writeFile>[1],
      opts?: Parameters<typeof fs.promises.writeFile>[2],
    ) => {
      const name = String(file);
      if (!/\.(pack|idx)$/.test(name)) return fs.promises.writeFile(file, data, opts);
      const tmp = `${name}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, data, opts);
      const h = await fs.promises.open(tmp, 'r');
      await h.sync().finally(() => h.close());
      await fs.promises.rename(tmp, name);
    },
  },
};

/** Push ref updates one by one; the remote checks each one's old value, so a concurrent push loses cleanly. */
export async function pushRefs(
  gitdir: string,
  remote: string,
  url: string,
  updates: PushUpdate[],
  onMessage?: (line: string) => void,
): Promise<PushOutcome[]> {
  if (isPathUrl(url)) return pushPath(gitdir, url, updates, onMessage);
  const out: PushOutcome[] = [];
  const lib = await gitLib();
  for (const u of updates) {
    const messages: string[] = [];
    try {
      const r = await lib.push({
        fs,
        http: http(),
        gitdir,
        url: redactUrl(url),
        remote,
        ref: u.src ?? u.dst,
        remoteRef: u.dst,
        force: u.force,
        delete: !u.src,
        onAuth: onAuthFor(url),
        onMessage: (m: string) => {
          messages.push(m);
          onMessage?.(m);
        },
      });
      const ref = r.refs?.[u.dst];
      if (r.ok && (!ref || ref.ok)) out.push({ dst: u.dst, ok: true });
      else out.push({ dst: u.dst, ok: false, ...classify(ref?.error ?? r.error ?? '') });
    } catch (e) {
      const err = e as {
        code?: string;
        data?: { reason?: string; result?: { refs?: Record<string, { error?: string }> } };
        message?: string;
      };
      if (err.code === 'PushRejectedError')
        out.push({
          dst: u.dst,
          ok: false,
          reason: err.data?.reason === 'not-fast-forward' ? 'non-fast-forward' : 'other',
          detail: err.data?.reason,
        });
      else if (err.code === 'GitPushError') out.push({ dst: u.dst, ok: false, ...classify(`${err.message} ${messages.join('')}`) });
      else throw networkError(url, e);
    }
  }
  return out;
}

function classify(text: string): Pick<PushOutcome, 'reason' | 'detail'> {
  const t = text.toLowerCase();
  if (t.includes('hook declined') || t.includes('pre-receive')) return { reason: 'declined', detail: text.trim() };
  if (t.includes('non-fast-forward') || t.includes('fetch first')) return { reason: 'non-fast-forward', detail: text.trim() };
  if (t.includes('lock') || t.includes('stale') || t.includes('failed to update') || t.includes('but expected'))
    return { reason: 'stale', detail: text.trim() };
  return { reason: 'other', detail: text.trim() };
}

async function pushPath(gitdir: string, url: string, updates: PushUpdate[], onMessage?: (line: string) => void): Promise<PushOutcome[]> {
  const out: PushOutcome[] = [];
  for (const u of updates) {
    const spec = `${u.force ? '+' : ''}${u.src ?? ''}:${u.dst}`;
    const r = await git(['--git-dir', gitdir, '-c', 'gc.auto=0', 'push', '--porcelain', pathOf(url), spec], { allowFail: true });
    for (const line of r.stderr.split('\n')) if (line.startsWith('remote: ')) onMessage?.(`${line.slice('remote: '.length)}\n`);
    const status = r.stdout.split('\n').find((l) => l.includes(`:${u.dst}\t`));
    if (r.code === 0 && status && !status.startsWith('!')) out.push({ dst: u.dst, ok: true });
    else if (!status && r.code !== 0) throw new GitFailed(`git push: ${r.stderr.trim().split('\n').pop()}`, {});
    else out.push({ dst: u.dst, ok: false, ...classify(`${status ?? ''} ${r.stderr}`) });
  }
  return out;
}
