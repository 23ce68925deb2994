import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api, commit, json, lines, ORDERS, ordersRepo } from './core-helpers.js';

const chunkOf = async (repo: Awaited<ReturnType<typeof ordersRepo>>) => lines(await repo.ok('files', 'orders@HEAD'))[0];

describe('fsck and gc', () => {
  it('fsck: a healthy repository passes with exit 0', async () => {
    await using repo = await ordersRepo();
    const out = await repo.ok('fsck');
    expect(out).toBe('checked 1 commits, 1 manifests, 1 chunks: ok\n');
    expect(await json(repo, 'fsck')).toEqual({ commits: 1, manifests: 1, chunks: 1, problems: [] });
  });

  it('fsck: a byte flipped inside a chunk file is exit 1 naming the chunk', async () => {
    await using repo = await ordersRepo();
    const file = await chunkOf(repo);
    const id = file.match(/([0-9a-f]{64})\.parquet$/)![1];
    const bytes = await fsp.readFile(file);
    // Flip a byte in the middle of the data pages (not the footer), where the rows are.
    const at = Math.floor(bytes.length / 3);
    bytes[at] ^= 0x5a;
    await fsp.writeFile(file, bytes);
    const r = await repo.run('fsck');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`bad-chunk ${id}`);
    expect(r.stdout).toContain('1 problem(s)');
  });

  it('fsck: any single corrupted region of a chunk is found (footer statistics included)', async () => {
    await using repo = await ordersRepo();
    const file = await chunkOf(repo);
    const original = await fsp.readFile(file);
    const misses: number[] = [];
    // Every 10th of the file body; the trailing footer length and magic are covered by the read failing.
    for (let k = 1; k < 10; k++) {
      const bytes = Buffer.from(original);
      const at = Math.floor((bytes.length * k) / 10);
      for (let i = at; i < Math.min(at + 4, bytes.length - 8); i++) bytes[i] ^= 0xff;
      await fsp.writeFile(file, bytes);
      if ((await (await api(repo)).fsck()).problems.length !== 1) misses.push(at);
    }
    await fsp.writeFile(file, original);
    expect(misses).toEqual([]);
  });

  it('fsck: a missing or truncated chunk is exit 1', async () => {
    await using repo = await ordersRepo();
    const file = await chunkOf(repo);
    const bytes = await fsp.readFile(file);
    await fsp.writeFile(file, bytes.subarray(0, bytes.length - 100));
    expect((await repo.run('fsck')).exitCode).toBe(1);
    await fsp.rm(file);
    const r = await repo.run('fsck', '--json');
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout).problems).toEqual([
      { kind: 'missing-chunk', what: file.match(/([0-9a-f]{64})/)![1], detail: 'chunk file is missing' },
    ]);
  });

  it('gc: removes chunks nothing reaches and temporary files, keeps what branches, tags and the index reach', async () => {
    await using repo = await ordersRepo();
    const a = await api(repo);
    await a.checkout({ target: 'HEAD', create: 'gone' });
    await repo.write('orders.csv', ORDERS.replace('\n6,102,42.00,', '\n6,102,43.00,'));
    await commit(repo, 'on gone', true);
    await a.checkout({ target: 'main' });
    await a.createTag('keep');
    await a.deleteBranch('gone', true);
    await repo.write('.lakegit/chunks/.chunk.abc.tmp.parquet', 'half a chunk');
    const before = await fsp.readdir(repo.path('.lakegit/chunks'));
    // The deleted branch's commit is still in HEAD's reflog and its chunk is new: both grace periods end now.
    await (await api(repo)).setConfig('gc.reflogExpire', 'now'); // set-up in-process
    const out = await repo.ok('gc', '--prune=now');
    expect(out).toMatch(/^removed 1 chunk\(s\), \d+ bytes; kept 1\n$/);
    const after = await fsp.readdir(repo.path('.lakegit/chunks'));
    expect(after).toHaveLength(1);
    expect(before).toContain(after[0]);
    expect((await (await api(repo)).fsck()).problems).toEqual([]); // in-process: fsck's CLI is tested above
    expect(await repo.ok('gc')).toBe('removed 0 chunk(s), 0 bytes; kept 1\n');
  });

  it('gc: a staged but uncommitted table keeps its chunks', async () => {
    await using repo = await ordersRepo();
    await repo.write('orders.csv', ORDERS.replace('\n6,102,42.00,', '\n6,102,44.00,'));
    const a = await api(repo);
    await a.add({ paths: ['orders.csv'], cwd: repo.dir }); // set-up and read-backs in-process; gc runs the CLI
    expect(await repo.ok('gc')).toMatch(/^removed 0 chunk/);
    await a.commit({ message: 'after gc' });
    expect((await a.fsck()).problems).toEqual([]);
    expect((await a.show('HEAD')).changes[0]).toMatchObject({ modified: 1 });
  });
});
