import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Real servers for the remote tests, started once per `vitest run` on free loopback ports:
 * - git over smart HTTP: `git http-backend` (the CGI that ships with git) behind a small Node HTTP
 *   server, serving the bare repositories under `gitRoot`; it runs their hooks as any git server
 *   does. Paths under `/private/` demand HTTP basic auth (user `ann`, password `s3cret-pw`).
 * - S3: s3rver, with one bucket `lake`, credentials S3RVER/S3RVER.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    gitHttpUrl: string;
    gitRoot: string;
    s3Endpoint: string;
    s3Bucket: string;
  }
}

export const PRIVATE_USER = 'ann';
export const PRIVATE_PASSWORD = 's3cret-pw';

function gitHttpServer(root: string): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let pathInfo = decodeURIComponent(url.pathname);
    if (pathInfo.startsWith('/private/')) {
      const expected = `Basic ${Buffer.from(`${PRIVATE_USER}:${PRIVATE_PASSWORD}`).toString('base64')}`;
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
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (d: Buffer) => {
      if (headersDone) return void res.write(d);
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
      res.write(head.subarray(end + sep));
    });
    child.on('close', () => res.end());
    child.on('error', () => {
      res.writeHead(500);
      res.end();
    });
  });
}

export default async function setup(project: TestProject) {
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-servers-'));
  const gitRoot = path.join(base, 'git');
  await fsp.mkdir(gitRoot);
  const gitServer = gitHttpServer(gitRoot);
  await new Promise<void>((resolve) => gitServer.listen(0, '127.0.0.1', resolve));
  const gitPort = (gitServer.address() as AddressInfo).port;

  const { default: S3rver } = (await import('s3rver')) as unknown as {
    default: new (o: object) => { run(): Promise<AddressInfo>; close(): Promise<void> };
  };
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.join(base, 's3'),
    configureBuckets: [{ name: 'lake' }],
  });
  const { port: s3Port } = await s3.run();

  project.provide('gitHttpUrl', `http://127.0.0.1:${gitPort}`);
  project.provide('gitRoot', gitRoot);
  project.provide('s3Endpoint', `http://127.0.0.1:${s3Port}`);
  project.provide('s3Bucket', 'lake');
  return async () => {
    await new Promise((resolve) => gitServer.close(resolve));
    await s3.close();
    await fsp.rm(base, { recursive: true, force: true });
  };
}
