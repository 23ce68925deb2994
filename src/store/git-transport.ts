import { execFile, spawn } from 'node:child_process';
import type { Agent as HttpAgent } from 'node:http';
import { createRequire } from 'node:module';
import { GitFailed, GitMissing, LakegitError, RemoteNotFound, RemoteUnreachable } from '../errors.js';
import { redactUrl, urlCredentials } from './remote-store.js';

/**
 * How lakegit reaches another git repository: a local path through the `git` program, smart
 * HTTP(S) through isomorphic-git's node client, with credentials from the URL, the environment or
 * `git credential fill`; and the typed errors a failed exchange becomes.
 */
export const isPathUrl = (url: string) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^file:\/\//i.test(url);
export const pathOf = (url: string) => url.replace(/^file:\/\//i, '');

type Auth = { username: string; password: string };

/** HTTP credentials: the URL's user-info (this command only), LAKEGIT_HTTP_USERNAME/PASSWORD, then `git credential fill`. */
export function onAuthFor(url: string) {
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

interface HttpClient {
  request(req: { url: string; agent?: unknown }): Promise<unknown>;
}
const httpLib = () =>
  (typeof require === 'function' ? require('isomorphic-git/http/node') : createRequire(import.meta.url)('isomorphic-git/http/node')) as {
    default?: HttpClient;
  } & HttpClient;

let agents: Record<'http' | 'https', HttpAgent> | undefined;
/**
 * Node's global agents close a socket after 5 s without a byte (`timeout: 5000` since Node 19), and
 * a git server is silent that long while its hooks run (receive-pack's keepalive comes after 5 s of
 * silence, too late): the push's answer was cut off and isomorphic-git read an empty report
 * ("ParseError"). git itself waits as long as the server works; so do these agents. They do not
 * keep connections alive either: a push's requests are seconds apart (chunk uploads in between),
 * and a kept socket the server closes just as it is reused fails the request.
 */
function agentFor(url: string): HttpAgent {
  // Loaded here, not at start-up: most commands never reach an HTTP remote (node:https loads TLS).
  const load = (m: string) =>
    (typeof require === 'function' ? require(m) : createRequire(import.meta.url)(m)) as { Agent: typeof HttpAgent };
  const made = (agents ??= {
    http: new (load('node:http').Agent)({ keepAlive: false }),
    https: new (load('node:https').Agent)({ keepAlive: false }),
  });
  return /^https:/i.test(url) ? made.https : made.http;
}

interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  agent?: unknown;
}
interface HttpResponse {
  statusCode: number;
  body?: AsyncIterable<Uint8Array>;
}

/**
 * A ref advertisement (`GET …/info/refs?service=…`) this process has just read, kept for the one
 * request that asks for it again: lakegit lists a remote's refs to decide what to send or fetch,
 * then isomorphic-git's push or fetch starts by listing them itself, which would cost a second round
 * trip and a second git process on the server. Served once, to a request with the same
 * credentials (the exchange that follows authenticates as its listing did), then forgotten.
 */
const advertisements = new Map<string, { res: HttpResponse; body: Buffer }>();
const advertisementKey = (req: HttpRequest): string | undefined =>
  (req.method ?? 'GET') === 'GET' && /\/info\/refs\?service=git-(upload|receive)-pack$/.test(req.url)
    ? [req.url, req.headers?.Authorization ?? req.headers?.authorization ?? '', req.headers?.['Git-Protocol'] ?? ''].join('\n')
    : undefined;

/** Drops kept listings: a listing lakegit asks for itself is always read afresh (a long-lived process may have one left unserved). */
export const forgetAdvertisements = (): void => advertisements.clear();

async function* once(body: Buffer): AsyncIterableIterator<Uint8Array> {
  yield body;
}

/** isomorphic-git's node client, every request on an agent without an idle timeout, ref listings read once. */
export const http = () => {
  const m = httpLib();
  const client = m.default ?? m;
  const request = (req: HttpRequest) => client.request({ ...req, agent: req.agent ?? agentFor(req.url) }) as Promise<HttpResponse>;
  return {
    request: async (req: HttpRequest) => {
      const key = advertisementKey(req);
      if (!key) return request(req);
      const kept = advertisements.get(key);
      advertisements.delete(key);
      if (kept) return { ...kept.res, body: once(kept.body) };
      const res = await request(req);
      if (res.statusCode !== 200 || !res.body) return res;
      const parts: Uint8Array[] = [];
      for await (const part of res.body) parts.push(part);
      const body = Buffer.concat(parts);
      advertisements.set(key, { res, body });
      return { ...res, body: once(body) };
    },
  } as never;
};

/** `http.extraHeader` for git, when credentials are known without asking (URL or environment). */
export function authEnv(url: string): NodeJS.ProcessEnv {
  const c =
    urlCredentials(url) ??
    (process.env.LAKEGIT_HTTP_USERNAME || process.env.LAKEGIT_HTTP_PASSWORD
      ? { username: process.env.LAKEGIT_HTTP_USERNAME ?? '', password: process.env.LAKEGIT_HTTP_PASSWORD ?? '' }
      : undefined);
  if (!c) return {};
  const basic = Buffer.from(`${c.username}:${c.password}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}

/** Run git on a repository; stdout, or a typed error carrying git's message. */
export function git(
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

export function networkError(url: string, e: unknown): LakegitError {
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
