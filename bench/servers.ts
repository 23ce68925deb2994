import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Real servers on loopback for the remote tests (test/setup/servers.ts) and the remote benchmarks
 * (bench/figures/remote.ts), each on a free port:
 * - git over smart HTTP: `git http-backend` (the CGI that ships with git) behind a small Node HTTP
 *   server, serving the bare repositories under a root; it runs their hooks as any git server does.
 * - S3: s3rver, reached by lakegit only through @aws-sdk/client-s3.
 */
export interface GitHttpOptions {
  /** Paths under `/private/` demand HTTP basic auth with these credentials. */
  privateAuth?: { user: string; password: string };
  /** More environment for `git http-backend` and so for the hooks it runs (a server's S3 credentials). */
  env?: Record<string, string>;
  /** Count the bytes of every response body (what clients download). */
  onResponseBytes?: (n: number) => void;
}

export function gitHttpServer(root: string, opts: GitHttpOptions = {}): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathInfo = decodeURIComponent(url.pathname);
    if (opts.privateAuth && pathInfo.startsWith('/private/')) {
      const { user, password } = opts.privateAuth;
      const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="lake"' });
        res.end();
        return;
      }
      pathInfo = pathInfo.slice('/private'.length);
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...opts.env,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: pathInfo,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_USER: 'test',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
    };
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']); // http-backend passes it on
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    // A CGI that exits before reading the whole request (a refused push) closes its stdin: EPIPE here
    // must not bring the whole server down.
    child.stdin.on('error', () => undefined);
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (d: Buffer) => {
      if (headersDone) {
        opts.onResponseBytes?.(d.length);
        return void res.write(d);
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
      if (end < 0) return;
      const sep = head.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      headersDone = true;
      const body = head.subarray(end + sep);
      opts.onResponseBytes?.(body.length);
      res.write(body);
    });
    child.on('close', () => {
      // No header block at all: the CGI failed before answering, which a client must see as such, not as an empty 200.
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    child.on('error', () => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Node's 5 s keep-alive races the client's own (Node 20's agents keep sockets alive too): a push that
  // spends over 5 s between its ref listing and its pack (uploading chunks on a loaded machine) could
  // send the pack on a socket the server was closing, and read an empty answer. Web servers in front
  // of git http-backend keep connections far longer (nginx: 75 s).
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 76_000;
  return server;
}

/** Listen on a free loopback port; the server's base URL. */
export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export const closeServer = (server: http.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** s3rver's credentials (it accepts only these). */
export const S3RVER_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

export interface S3Server {
  endpoint: string;
  /** The S3 SDK's usual environment pointed at this server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** s3rver on a free loopback port, keeping its objects under `directory`, with the given buckets. */
export async function startS3rver(directory: string, buckets: string[]): Promise<S3Server> {
  const { default: S3rver } = (await import('s3rver')) as {
    default: new (o: object) => { run(): Promise<AddressInfo>; close(): Promise<void> };
  };
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return { endpoint, env: { AWS_ENDPOINT_URL_S3: endpoint, ...S3RVER_ENV }, close: () => s3.close() };
}
