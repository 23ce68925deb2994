import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileText, spawnCli, type TempRepo } from '../helpers.js';
import { Repo } from '../../src/repo.js';
import { addOrigin, cloneInto, commitAll, committedRepo, newRemote, useS3Env, type Remote } from './remote-helpers.js';

vi.setConfig({ testTimeout: 600_000 });
beforeAll(useS3Env);

const table = (n: number, v: number) =>
  `id,customer,amount,note\n${Array.from({ length: n }, (_, i) => `${i},${i % 97},${(i * 37) % 1000},${i % 50 === 0 ? `v${v} ${i}` : `note ${i}`}`).join('\n')}\n`;

const remoteHead = async (remote: Remote, branch = 'main') =>
  (
    await execFileText('git', ['--git-dir', remote.dir, 'rev-parse', '--verify', '-q', `refs/heads/${branch}`], remote.dir).catch(() => '')
  ).trim() || undefined;

/** Every chunk the remote's branch names is in its store: the invariant a push must keep at every instant. */
async function refsNameOnlyStoredChunks(remote: Remote, oid: string): Promise<void> {
  const manifest = JSON.parse(await execFileText('git', ['--git-dir', remote.dir, 'show', `${oid}:tables/orders.json`], remote.dir));
  for (const c of [...manifest.chunks, ...manifest.deltas]) await fsp.access(path.join(remote.chunks, `${c.id}.parquet`));
}

function runUntilKilled(repo: TempRepo, args: string[], delay: number): Promise<number | null> {
  const child = spawnCli(repo.dir, args);
  const timer = setTimeout(() => child.kill('SIGKILL'), delay);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
}

describe.each(['path', 'http'] as const)('concurrent pushes over %s', (kind) => {
  it('of two pushes to one branch exactly one wins; the other exits 1 with a hint', async () => {
    const remote = await newRemote(kind);
    // Set-up in-process (the first push, two diverging commits); the racing pushes run the CLI.
    await using ann = await committedRepo({ 'orders.csv': table(50, 0) }, 'base');
    await addOrigin(ann, remote.url);
    expect((await (await Repo.open(ann.dir)).push({ setUpstream: true })).refs.every((r) => r.ok)).toBe(true);
    await using bob = await cloneInto(remote.url);
    await commitAll(ann, 'ann', { name: 'orders.csv', text: table(50, 1) });
    await commitAll(bob, 'bob', { name: 'orders.csv', text: table(50, 2) });
    const run = (r: TempRepo) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawnCli(r.dir, ['push']);
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => resolve({ code, err }));
      });
    const [a, b] = await Promise.all([run(ann), run(bob)]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.err).toContain("hint: the remote has commits you do not have: run 'lakegit pull'");
    const winner = a.code === 0 ? ann : bob;
    expect(await remoteHead(remote)).toBe((await (await Repo.open(winner.dir)).log({ n: 1 }))[0].commit);
    // A non-fast-forward is refused unless --force.
    const retry = await (a.code === 1 ? ann : bob).run('push');
    expect(retry.exitCode).toBe(1);
    expect((await (a.code === 1 ? ann : bob).run('push', '--force')).exitCode).toBe(0);
  });
});

describe('a killed push', () => {
  it('leaves the remote consistent at any instant, and the next push completes', async () => {
    const remote = await newRemote('path');
    // Commits in-process (set-up); every push runs the CLI (the first one times the kills).
    await using ann = await committedRepo({ 'orders.csv': table(60_000, 0) }, 'v0');
    await addOrigin(ann, remote.url);
    const started = Date.now();
    await ann.ok('push', '-u');
    const full = Date.now() - started;
    const seen = new Set<string>([(await remoteHead(remote))!]);
    for (let v = 1; v <= 4; v++) {
      const mine = await commitAll(ann, `v${v}`, { name: 'orders.csv', text: table(60_000 + v * 5000, v) });
      const before = await remoteHead(remote);
      await runUntilKilled(ann, ['push'], Math.round((full * v) / 5));
      const after = (await remoteHead(remote))!;
      expect([before, mine]).toContain(after); // old or new, never anything else
      await refsNameOnlyStoredChunks(remote, after);
      seen.add(after);
    }
    await ann.ok('push');
    await using check = await cloneInto(remote.url, ['--no-checkout']);
    await check.ok('fetch', '--all-chunks');
    const fsck = await check.run('fsck');
    expect(fsck.exitCode, fsck.stdout).toBe(0);
    expect(fsck.stdout).not.toContain('not fetched');
    expect(await check.ok('sql', 'select count(*) as n from orders@origin/main', '--json')).toContain(`${60_000 + 4 * 5000}`);
  });
});

describe('a killed fetch', () => {
  it('leaves a repository fsck passes; the next fetch completes', async () => {
    const remote = await newRemote('http');
    // The pushing side in-process (set-up); the fetches and fsck run the CLI.
    await using ann = await committedRepo({ 'orders.csv': table(60_000, 0) }, 'v0');
    await addOrigin(ann, remote.url);
    const a = await Repo.open(ann.dir);
    const pushed = async () => expect((await a.push({ setUpstream: true })).refs.every((r) => r.ok)).toBe(true);
    await pushed();
    await using ci = await cloneInto(remote.url, ['--no-checkout']);
    for (let v = 1; v <= 3; v++) {
      await commitAll(ann, `v${v}`, { name: 'orders.csv', text: table(60_000 + v * 1000, v) });
      await pushed();
      await runUntilKilled(ci, ['fetch', '--all-chunks'], 300 + v * 700);
      const fsck = await ci.run('fsck');
      expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
    }
    await ci.ok('fetch', '--all-chunks');
    const fsck = await ci.run('fsck');
    expect(fsck.exitCode).toBe(0);
    expect(fsck.stdout).not.toContain('not fetched');
  });
});
