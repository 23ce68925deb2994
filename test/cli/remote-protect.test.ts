import { execFile, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { installReceiveHooks } from '../../src/ops/remote/hook-install.js';
import { TEST_ENV, type TempRepo } from '../helpers.js';
import { api, commit, newRepo, track } from './core-helpers.js';

// Several git pushes, each running a lakegit process on the server side: slow on a loaded machine.
vi.setConfig({ testTimeout: 240_000 });

/*
 * A clone (here: a lakegit repository that pushes with the git CLI, copying its new chunks into
 * the remote's chunk store first, as `lakegit push` does) and a bare remote made by `git init
 * --bare` plus installReceiveHooks, with `main` protected there by `lakegit -C <bare> protect`.
 *
 *   main:  c1 "load" (t: id,v  1,10  2,20; lakegit.yaml: range v >= 0)
 */
const YAML = 'checks:\n  t:\n    range: { v: { min: 0 } }\n';
const RELAXED = 'checks:\n  t:\n    range: { v: { min: -100 } }\n';
const TRAILER = 'Lakegit-Allow-Check-Changes: Ann Analyst <ann@example.com>';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}
const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  new Promise<Result>((resolve) =>
    execFile(cmd, args, { cwd, env: { ...process.env, ...TEST_ENV, ...env } }, (e, stdout, stderr) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
const git = (cwd: string, ...args: string[]) => run('git', args, cwd);
const lakegit = (cwd: string, ...args: string[]) => run(process.execPath, [path.resolve('bin/lakegit'), ...args], cwd);

interface Setup {
  clone: TempRepo;
  bare: string;
  /** Upload the clone's chunks, then `git push <url> <args>` from its .lakegit. */
  push(url: string, ...args: string[]): Promise<Result>;
  remoteHead(): Promise<string>;
}

async function protectedRemote(): Promise<Setup> {
  const clone = await newRepo({ 't.csv': 'id,v\n1,10\n2,20\n', 'lakegit.yaml': YAML });
  await track(clone, 't.csv', ['id']);
  await (await api(clone)).add({ paths: ['lakegit.yaml'], cwd: clone.dir });
  await commit(clone, 'load');
  const bare = path.join(clone.dir, '..', `${path.basename(clone.dir)}-remote.git`);
  expect((await git(clone.dir, 'init', '-q', '--bare', bare)).code).toBe(0);
  await installReceiveHooks(bare);
  const setup: Setup = {
    clone,
    bare,
    async push(url, ...args) {
      await fsp.mkdir(path.join(bare, 'chunks'), { recursive: true });
      for (const f of await fsp.readdir(clone.path('.lakegit/chunks'))) {
        if (f.endsWith('.parquet') && !f.startsWith('.'))
          await fsp.copyFile(clone.path(`.lakegit/chunks/${f}`), path.join(bare, 'chunks', f));
      }
      return git(clone.dir, '--git-dir', '.lakegit', 'push', url, ...args);
    },
    remoteHead: async () => (await git(bare, 'rev-parse', 'refs/heads/main')).stdout.trim(),
  };
  expect((await setup.push(bare, 'main')).code).toBe(0); // not protected yet: the first push creates main
  const p = await lakegit(clone.dir, '-C', bare, 'protect', 'main');
  expect(p.stderr).toBe('');
  // On a remote, protect also checks the tip and records what it passes (receive-record.ts).
  expect(p.stdout).toMatch(
    /^Branch 'main' is now protected\.\nRecorded that main's tip [0-9a-f]{7} passes 1 row-local check\(s\) of t\.\n$/,
  );
  return setup;
}

/** Write and `commit -am` in-process (set-up: what is tested is the remote's hook); `noVerify` skips the local checks. */
const writeCommit = async (repo: TempRepo, file: string, text: string, message: string, verify: 'no-verify' | 'verify' = 'verify') => {
  await repo.write(file, text);
  const r = await (await api(repo)).commit({ message, all: true, noVerify: verify === 'no-verify' });
  expect(r.status, JSON.stringify(r)).toBe('committed');
  return (await git(repo.dir, '--git-dir', '.lakegit', 'rev-parse', 'HEAD')).stdout.trim();
};

describe('remote protection: the pre-receive hook of a bare repository', () => {
  it('push over a path: a good push is accepted, a bad one (committed with --no-verify) refused with the report', async () => {
    const s = await protectedRemote();
    await using _clone = s.clone;
    // Objects arrive as a pack kept in the quarantine (not unpacked): the hook reads packs there too.
    await git(s.bare, 'config', 'receive.unpackLimit', '1');
    const start = await s.remoteHead();
    const bad = await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,-5\n', 'bad', 'no-verify');
    const refused = await s.push(s.bare, 'main');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`remote: lakegit: error: ${bad.slice(0, 7)} fails the checks of protected branch 'main'`);
    expect(refused.stderr).toContain("remote: push to 'main' refused: 1 of 1 check(s) of lakegit.yaml at main failed");
    expect(refused.stderr).toContain('remote:   ✗ t: range(v) — 1 violation(s)');
    expect(refused.stderr).toContain('remote:       {"id":2,"v":-5}');
    expect(refused.stderr).toContain('[remote rejected] main -> main (pre-receive hook declined)');
    expect(await s.remoteHead()).toBe(start);
    // The refused objects never reached the remote's object store (git dropped the quarantine).
    expect((await git(s.bare, 'cat-file', '-e', bad)).code).not.toBe(0);

    const good = await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,20\n3,30\n', 'good');
    const accepted = await s.push(s.bare, 'main');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toContain("remote: lakegit: 'main' is protected here: 1 check(s) of lakegit.yaml at main passed");
    expect(await s.remoteHead()).toBe(good);
    // An unprotected branch is not the hook's business.
    await (await api(s.clone)).createBranch('scratch', bad);
    expect((await s.push(s.bare, 'scratch')).code).toBe(0);
  });

  it('nothing a clone does gets past it: local unprotect, --force, deleting main, missing chunks', async () => {
    const s = await protectedRemote();
    await using _clone = s.clone;
    const start = await s.remoteHead();
    // A clone that protects and unprotects main locally changes nothing on the remote.
    await lakegit(s.clone.dir, 'protect', 'main');
    await lakegit(s.clone.dir, 'unprotect', 'main');
    await writeCommit(s.clone, 't.csv', 'id,v\n1,-1\n2,20\n', 'bad after unprotect', 'no-verify');
    expect((await s.push(s.bare, 'main')).code).toBe(1);
    // A rewritten history, forced: main moves to good rows, the clone rewrites it and forces.
    const api1 = await api(s.clone);
    await api1.reset(start, 'hard');
    const moved = await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,21\n', 'good rows');
    expect((await s.push(s.bare, 'main')).code).toBe(0);
    await api1.reset(start, 'hard');
    const rewritten = await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,22\n', 'other good rows');
    const forced = await s.push(s.bare, '--force', 'main');
    expect(forced.stderr).toContain('is not a fast-forward, and --force cannot rewrite it');
    expect(forced.code).toBe(1);
    expect(await s.remoteHead()).toBe(moved);
    expect(rewritten).not.toBe(moved);
    const deleted = await s.push(s.bare, ':refs/heads/main');
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain("branch 'main' is protected: it cannot be deleted by a push");
    expect(await s.remoteHead()).toBe(moved);
    // Refs pushed without their chunks: refused, naming what is missing.
    await api1.reset(moved, 'hard');
    const next = await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,20\n4,40\n', 'good rows');
    const noChunks = await git(s.clone.dir, '--git-dir', '.lakegit', 'push', s.bare, 'main');
    expect(noChunks.code).toBe(1);
    expect(noChunks.stderr).toContain(`the chunk store lacks 1 chunk(s) that ${next.slice(0, 7)} needs`);
    expect(await s.remoteHead()).toBe(moved);
  });

  it('check policy: a pushed lakegit.yaml change needs the allowance trailer, and cannot weaken the checks for the same push', async () => {
    const s = await protectedRemote();
    await using _clone = s.clone;
    const start = await s.remoteHead();
    // Two-step weakening in one push: relax the checks (no allowance), then land rows the old checks refuse.
    const relax = await writeCommit(s.clone, 'lakegit.yaml', RELAXED, 'relax the checks', 'no-verify');
    await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,-50\n', 'negative rows', 'no-verify');
    const refused = await s.push(s.bare, 'main');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${relax.slice(0, 7)} changes the checks of protected branch 'main' (lakegit.yaml) without the allowance`,
    );
    expect(refused.stderr).toContain('--allow-check-changes');
    expect(await s.remoteHead()).toBe(start);
    // The same change carrying the allowance (as `merge --allow-check-changes` records it) is accepted, and
    // audited: the hook names who allowed it; the rows after it are held to the relaxed checks.
    await (await api(s.clone)).reset(start, 'hard');
    await writeCommit(s.clone, 'lakegit.yaml', RELAXED, `relax the checks\n\n${TRAILER}`, 'no-verify');
    const tip = await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,-50\n', 'negative rows', 'no-verify');
    const allowed = await s.push(s.bare, 'main');
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toContain('changes the checks (lakegit.yaml), allowed by Ann Analyst <ann@example.com>');
    expect(await s.remoteHead()).toBe(tip);
    // A policy change that is allowed is still checked against the checks it replaces.
    await s.clone.write('lakegit.yaml', 'checks: {}\n');
    await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,-500\n', `drop the checks and land -500\n\n${TRAILER}`, 'no-verify');
    const r = await s.push(s.bare, 'main');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("fails the checks of protected branch 'main'");
    expect(r.stderr).toContain('{"id":2,"v":-500}');
    expect(await s.remoteHead()).toBe(tip);
  });

  it('push over HTTP (git http-backend): the same hook refuses and accepts; the bare repository takes no working-tree verbs', async () => {
    const s = await protectedRemote();
    await using _clone = s.clone;
    await git(s.bare, 'config', 'http.receivepack', 'true');
    const server = await httpBackend(path.dirname(s.bare));
    try {
      const url = `http://127.0.0.1:${server.port}/${path.basename(s.bare)}`;
      const start = await s.remoteHead();
      await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,-7\n', 'bad over http', 'no-verify');
      const refused = await s.push(url, 'main');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('remote:       {"id":2,"v":-7}');
      expect(await s.remoteHead()).toBe(start);
      await (await api(s.clone)).reset(start, 'hard');
      const good = await writeCommit(s.clone, 't.csv', 'id,v\n1,10\n2,22\n', 'good over http');
      const accepted = await s.push(url, 'main');
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(await s.remoteHead()).toBe(good);
    } finally {
      server.close();
    }
    expect(JSON.parse(await fsp.readFile(path.join(s.bare, 'lakegit-config.json'), 'utf8'))).toEqual({ 'branch.main.protected': 'true' });
    const status = await lakegit(s.clone.dir, '-C', s.bare, 'status');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('is a bare repository (a remote): it has no working tree');
  });
});

/** A minimal smart-HTTP git server: each request runs `git http-backend` as a CGI (see git-http-backend(1)). */
async function httpBackend(projectRoot: string): Promise<{ port: number; close(): void }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const child = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'tester',
        REMOTE_ADDR: '127.0.0.1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const [name, value] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.stderr.resume();
    child.on('close', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}
