import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { closeServer, gitHttpServer, listen, startS3rver } from '../../bench/servers.js';

/**
 * Real servers for the remote tests, started once per `vitest run` on free loopback ports (the
 * servers themselves are in bench/servers.ts, shared with the remote benchmarks):
 * - git over smart HTTP: `git http-backend` behind a small Node HTTP server, serving the bare
 *   repositories under `gitRoot` and running their hooks, with the S3 environment a git server
 *   would give its hooks. Paths under `/private/` demand HTTP basic auth (user `ann`, password `s3cret-pw`).
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

export default async function setup(project: TestProject) {
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-servers-'));
  const gitRoot = path.join(base, 'git');
  await fsp.mkdir(gitRoot);
  const s3 = await startS3rver(path.join(base, 's3'), ['lake']);
  const gitServer = gitHttpServer(gitRoot, { privateAuth: { user: PRIVATE_USER, password: PRIVATE_PASSWORD }, env: s3.env });
  project.provide('gitHttpUrl', await listen(gitServer));
  project.provide('gitRoot', gitRoot);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('s3Bucket', 'lake');
  return async () => {
    await closeServer(gitServer);
    await s3.close();
    await fsp.rm(base, { recursive: true, force: true });
  };
}
