import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Repo } from '../../src/repo.js';
import { execFileText, runCli, tempRepo } from '../helpers.js';
import { addOrigin, chunkFiles, commitAll, newRemote, useS3Env, type Remote } from './remote-helpers.js';

// Every push runs a lakegit process on the server side (git http-backend's pre-receive hook).
vi.setConfig({ testTimeout: 240_000 });
beforeAll(useS3Env);

const YAML = 'checks:\n  t:\n    range: { v: { min: 0 } }\n';
const rows = (...vs: number[]) => `id,v\n${vs.map((v, i) => `${i + 1},${v}`).join('\n')}\n`;

const remoteHead = async (remote: Remote) =>
  (await execFileText('git', ['--git-dir', remote.dir, 'rev-parse', 'refs/heads/main'], remote.dir)).trim();

const localHead = async (dir: string) =>
  (await execFileText('git', ['--git-dir', path.join(dir, '.lakegit'), 'rev-parse', 'HEAD'], dir)).trim();

/** The bucket and key prefix of an `s3://bucket/prefix` store, and an SDK client for it (the test's own, as an attacker's). */
function bucketOf(remote: Remote) {
  const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(remote.chunks)!;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({ forcePathStyle: true, region: 'us-east-1', endpoint: process.env.AWS_ENDPOINT_URL_S3 });
  const key = (id: string) => `${prefix}/${id}.parquet`;
  const holds = (id: string) =>
    client.send(new HeadObjectCommand({ Bucket: bucket, Key: key(id) })).then(
      () => true,
      () => false,
    );
  return { bucket, key, holds, client };
}

/*
 * A bare remote served by git http-backend whose chunks live in an s3rver bucket, with `main`
 * protected there. The git server runs the hook with the S3 environment a server administrator
 * gives it (test/setup/servers.ts), and the hook reads the pushed chunks from the bucket.
 */
describe('remote protection with the chunk store in a bucket', () => {
  it('a failing push is refused with the report, a passing one accepted, a forged chunk refused and not kept', async () => {
    const remote = await newRemote('http');
    await using ann = await tempRepo({ 't.csv': rows(10, 20), 'lakegit.yaml': YAML });
    // Set-up in-process (add, commit, remote add, reset: the API the CLI calls); push and protect run the CLI.
    const a = await Repo.open(ann.dir);
    await a.add({ paths: ['t.csv'], cwd: ann.dir, key: ['id'] });
    await a.add({ paths: ['lakegit.yaml'], cwd: ann.dir });
    expect((await a.commit({ message: 'load' })).status).toBe('committed');
    await addOrigin(ann, remote.url);
    await ann.ok('push', '-u', 'origin', 'main');
    const protect = await runCli(remote.dir, ['-C', remote.dir, 'protect', 'main']);
    expect(protect.exitCode, protect.stderr).toBe(0);
    const loaded = await remoteHead(remote);

    // A commit that fails main's range check (local checks skipped): its chunks reach the bucket, its ref does not.
    await ann.write('t.csv', rows(10, -5));
    expect((await a.commit({ message: 'bad', all: true, noVerify: true })).status).toBe('committed');
    const bad = await ann.run('push');
    expect(bad.exitCode, bad.stderr).toBe(1);
    expect(bad.stderr).toContain("fails the checks of protected branch 'main'");
    expect(bad.stderr).toMatch(/range/);
    expect(await remoteHead(remote)).toBe(loaded);
    // Read from the bucket through the hook's verified cache; the repository has no chunk directory of its own.
    expect(await fsp.readdir(path.join(remote.dir, 'cache', 'store-chunks'))).not.toHaveLength(0);
    expect(await fsp.stat(path.join(remote.dir, 'chunks')).catch(() => undefined)).toBeUndefined();

    await a.reset('HEAD~1', 'hard');
    await commitAll(ann, 'good', { name: 't.csv', text: rows(10, 20, 30) });
    const good = await ann.run('push');
    expect(good.exitCode, good.stderr).toBe(0);
    expect(await remoteHead(remote)).toBe(await localHead(ann.dir));

    // A forged chunk: the bucket holds other rows under the id of the pushed commit's new chunk.
    // The push skips uploading it (the store has that id); the hook verifies it against its id and refuses.
    const s3 = bucketOf(remote);
    const before = new Set(await chunkFiles(ann.dir));
    await commitAll(ann, 'good rows, forged chunk', { name: 't.csv', text: rows(10, 20, 30, 40) });
    const fresh = (await chunkFiles(ann.dir)).filter((f) => !before.has(f)).map((f) => f.slice(0, -'.parquet'.length));
    expect(fresh.length).toBeGreaterThan(0);
    const other = await fsp.readFile(path.join(ann.dir, '.lakegit', 'chunks', [...before][0]));
    for (const id of fresh) {
      expect(await s3.holds(id)).toBe(false);
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: s3.key(id), Body: other }));
    }
    const forged = await ann.run('push');
    expect(forged.exitCode, forged.stderr).toBe(1);
    expect(forged.stderr).toMatch(new RegExp(`refused chunk (${fresh.join('|')})`));
    expect(await remoteHead(remote)).not.toBe(await localHead(ann.dir));
    const cached = await fsp.readdir(path.join(remote.dir, 'cache', 'store-chunks'));
    for (const id of fresh) expect(cached.some((f) => f.includes(id))).toBe(false);
  });
});
