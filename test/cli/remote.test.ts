import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Repo } from '../../src/repo.js';
import { execFileText, tempRepo } from '../helpers.js';
import { addOrigin, chunkFiles, cloneInto, commitAll, committedRepo, newRemote, ordersCsv, useS3Env } from './remote-helpers.js';

vi.setConfig({ testTimeout: 300_000 });
beforeAll(useS3Env);

const rows = (n: number, bump = 0) =>
  Array.from({ length: n }, (_, i) => [i, i * 10 + (i === 1 ? bump : 0), `n${i}`] as [number, number, string]);

describe.each(['path', 'http'] as const)('remotes over %s', (kind) => {
  it('push, clone, fetch, pull, status ahead/behind and origin/main as a revision', async () => {
    const remote = await newRemote(kind);
    // Set-up in-process; push, clone, fetch, pull and the reads of origin/main run the CLI.
    await using ann = await committedRepo({ 'orders.csv': ordersCsv(rows(5)) });
    await addOrigin(ann, remote.url);
    expect(await ann.ok('push', '-u', 'origin', 'main')).toContain('[new branch]');
    // The upstream as status prints it, over one transport (what it reads, refs/remotes/origin/main, is the same after either).
    if (kind === 'path') expect(await ann.ok('status')).toContain("up to date with 'origin/main'");

    await using bob = await cloneInto(remote.url);
    expect(await bob.read('orders.csv')).toContain('4,40,n4');
    expect(await bob.ok('remote', '-v')).toContain(remote.chunks);

    await commitAll(ann, 'second', { name: 'orders.csv', text: ordersCsv(rows(6)) });
    const ahead = JSON.parse(await ann.ok('status', '--json'));
    expect(ahead.upstream).toEqual({ ref: 'origin/main', ahead: 1, behind: 0, gone: false });
    await ann.ok('push');

    await bob.ok('fetch');
    const behind = JSON.parse(await bob.ok('status', '--json'));
    expect(behind.upstream).toMatchObject({ ahead: 0, behind: 1 });
    if (kind === 'path') expect(await bob.ok('status')).toContain("behind 'origin/main' by 1 commit");
    // origin/main everywhere: log (refs only: over one transport), diff, sql, files (these read its chunks)
    if (kind === 'path') expect(await bob.ok('log', '--oneline', 'origin/main')).toContain('second');
    expect(await bob.ok('diff', 'main', 'origin/main', '--stat')).toMatch(/orders/);
    expect(JSON.parse(await bob.ok('sql', 'select count(*) as n from orders@origin/main', '--json'))).toEqual([{ n: 6 }]);
    const files = (await bob.ok('files', 'orders@origin/main')).trim().split('\n');
    for (const f of files) await fsp.access(f);
    await bob.ok('pull');
    expect(await bob.read('orders.csv')).toContain('5,50,n5');
    expect((await (await Repo.open(bob.dir)).fsck()).problems).toEqual([]); // in-process: fsck's CLI has its own tests
  });
});

describe('remote administration', () => {
  it('add, -v, set-url, remove; unknown and duplicate remotes exit 2', async () => {
    await using repo = await tempRepo();
    await repo.ok('remote', 'add', 'origin', 'https://user:tok3n@git.example.com/lake.git', '--chunks', 's3://bucket/lake');
    expect(await repo.ok('remote')).toBe('origin\n');
    const v = await repo.ok('remote', '-v');
    expect(v).toBe('origin\thttps://git.example.com/lake.git\t(chunks s3://bucket/lake)\n');
    expect(await fsp.readFile(repo.path('.lakegit/config'), 'utf8')).not.toContain('tok3n');
    expect((await repo.run('remote', 'add', 'origin', '/x')).exitCode).toBe(2);
    expect((await repo.run('remote', 'remove', 'nope')).exitCode).toBe(2);
    expect((await repo.run('remote', 'set-url', 'nope', '/x')).exitCode).toBe(2);
    expect((await repo.run('push', 'nope')).exitCode).toBe(2);
    expect((await repo.run('fetch', 'nope')).exitCode).toBe(2);
    await repo.ok('remote', 'set-url', 'origin', '/srv/lake.git');
    expect(await repo.ok('remote', '-v')).toContain('/srv/lake.git');
    await repo.ok('remote', 'remove', 'origin');
    expect(await repo.ok('remote')).toBe('');
    // plain git reads the remotes
    expect(await execFileText('git', ['--git-dir', repo.path('.lakegit'), 'remote'], repo.dir)).toBe('');
  });

  it('init --bare makes a git repository that names its chunk store', async () => {
    await using base = await tempRepo({}, false);
    const remote = { dir: base.path('lake.git') };
    await base.ok('init', '--bare', remote.dir);
    expect(await execFileText('git', ['--git-dir', remote.dir, 'rev-parse', '--is-bare-repository'], remote.dir)).toBe('true\n');
    const store = await execFileText('git', ['--git-dir', remote.dir, 'show', 'refs/lakegit/store:store.json'], remote.dir);
    expect(JSON.parse(store)).toEqual({ format: 'lakegit.store/1', chunks: 'chunks' });
    await fsp.access(path.join(remote.dir, 'chunks'));
  });
});

describe('chunks on demand', () => {
  it('a --no-checkout clone fetches no chunks, then only those a command reads', async () => {
    const remote = await newRemote('http');
    // Set-up in-process (main and feature pushed); the clone and its reads run the CLI.
    await using ann = await committedRepo({ 'orders.csv': ordersCsv(rows(5)), 'customers.csv': 'id,name\n1,a\n2,b\n' });
    const a = await Repo.open(ann.dir);
    await a.checkout({ target: 'HEAD', create: 'feature' });
    await commitAll(ann, 'bump', { name: 'orders.csv', text: ordersCsv(rows(5, 7)) });
    await addOrigin(ann, remote.url);
    expect((await a.push({ remote: 'origin', branches: ['main', 'feature'] })).refs.every((r) => r.ok)).toBe(true);

    await using ci = await cloneInto(remote.url, ['--no-checkout']);
    expect(await chunkFiles(ci.dir)).toEqual([]);
    expect(await ci.exists('orders.csv')).toBe(false);
    const customers = JSON.parse(await ci.ok('sql', 'select count(*) as n from customers@origin/main', '--json'));
    expect(customers).toEqual([{ n: 2 }]);
    expect(await chunkFiles(ci.dir)).toHaveLength(1); // the customers chunk only
    await ci.write('lakegit.yaml', '');
    const check = await ci.run('check', 'origin/feature', '--into', 'origin/main');
    expect(check.exitCode).toBe(0);
    const diff = JSON.parse(await ci.ok('diff', 'origin/main', 'origin/feature', '--json'));
    expect(diff.tables[0].rows[0]).toMatchObject({ op: 'modified', key: { id: 1 }, changed: ['amount'] });
    const blame = JSON.parse(await ci.ok('blame', 'orders@origin/feature', '--json'));
    expect(blame.rows.find((r: { key: { id: number } }) => r.key.id === 1).message).toBe('bump');
    const fsck = await ci.run('fsck');
    expect(fsck.exitCode).toBe(0);
  });

  it('refuses a forged chunk, keeps nothing of it, and names it', async () => {
    const remote = await newRemote('path');
    // Set-up in-process; the clone's reads of the forged chunk run the CLI.
    await using ann = await committedRepo({ 'orders.csv': ordersCsv(rows(5)) });
    const a = await Repo.open(ann.dir);
    await addOrigin(ann, remote.url);
    expect((await a.push({ setUpstream: true })).refs.every((r) => r.ok)).toBe(true);
    const [id] = await chunkFiles(ann.dir);
    // Replace the store's chunk by another valid Parquet file with different rows.
    await ann.write('other.csv', ordersCsv(rows(3)));
    await a.add({ paths: ['other.csv'], cwd: ann.dir, key: ['id'] });
    const other = (await chunkFiles(ann.dir)).find((f) => f !== id)!;
    await fsp.rm(path.join(remote.chunks, id));
    await fsp.copyFile(ann.path(`.lakegit/chunks/${other}`), path.join(remote.chunks, id));

    await using ci = await cloneInto(remote.url, ['--no-checkout']);
    const r = await ci.run('sql', 'select count(*) from orders@origin/main');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`refused chunk ${id.slice(0, 64)}`);
    expect(await chunkFiles(ci.dir)).toEqual([]);
    expect((await fsp.readdir(ci.path('.lakegit/chunks'))).length).toBe(0);
    const clone = await ci.run('checkout', 'main', '--force');
    expect(clone.exitCode).not.toBe(0);
  });
});

describe('credentials', () => {
  it('are used for the command and never printed or stored', async () => {
    const remote = await newRemote('http');
    const secret = 's3cret-pw';
    await using ann = await committedRepo({ 'orders.csv': ordersCsv(rows(3)) });
    const priv = remote.url.replace('127.0.0.1:', 'ann:' + secret + '@127.0.0.1:').replace(/\/(lake-[^/]+\.git)$/, '/private/$1');
    const add = await ann.run('remote', 'add', 'origin', priv);
    expect(add.exitCode).toBe(0);
    const denied = await ann.run('push', '-u');
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr + denied.stdout).not.toContain(secret);
    const pushed = await ann.runEnv({ LAKEGIT_HTTP_USERNAME: 'ann', LAKEGIT_HTTP_PASSWORD: secret }, 'push', '-u');
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    expect(pushed.stdout + pushed.stderr).not.toContain(secret);
    await using bob = await tempRepo({}, false);
    await fsp.rm(bob.dir, { recursive: true });
    const cloned = await (await import('../helpers.js')).runCli(path.dirname(bob.dir), ['clone', priv, bob.dir]);
    expect(cloned.exitCode, cloned.stderr).toBe(0);
    expect(cloned.stdout + cloned.stderr).not.toContain(secret);
    expect(await bob.ok('remote', '-v')).not.toContain(secret);
    const all = await execFileText('grep', ['-r', '-l', secret, bob.path('.lakegit'), ann.path('.lakegit')], bob.dir).catch(() => '');
    expect(all).toBe('');
  });
});

describe('a plain git repository on a git host', () => {
  it('gets its chunk store named by the first push, so clone <url> alone works', async () => {
    const name = `plain-${process.pid}-${Date.now().toString(36)}.git`;
    await execFileText('git', ['init', '--bare', '-q', path.join(inject('gitRoot'), name)], inject('gitRoot'));
    const url = `${inject('gitHttpUrl')}/${name}`;
    const chunks = `s3://${inject('s3Bucket')}/${name}`;
    await using ann = await committedRepo({ 'orders.csv': ordersCsv(rows(4)) });
    await addOrigin(ann, url);
    const none = await ann.run('push', '-u');
    expect(none.exitCode).toBe(2); // nowhere to put the chunks yet
    expect(none.stderr).toContain('names no chunk store');
    await ann.ok('remote', 'set-url', 'origin', url, '--chunks', chunks);
    await ann.ok('push', '-u');
    await using bob = await cloneInto(url);
    expect(await bob.read('orders.csv')).toContain('3,30,n3');
    expect(await bob.ok('remote', '-v')).toContain(chunks);
  });
});
