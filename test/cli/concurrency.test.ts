import { spawn } from 'node:child_process';
import { promises as fsp, utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnCli, type TempRepo } from '../helpers.js';
import { api, fixture, logJson, ORDERS, ordersRepo, statusText, track } from './core-helpers.js';

// The racing writers run the CLI; what they left (log, status, fsck) is read in-process (what those verbs print).

function run(repo: TempRepo, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const child = spawnCli(repo.dir, args, env);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

/** A pid that is certainly dead: a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('concurrent writers', () => {
  it('concurrency: two concurrent commit -a on two tables: both land or one fails cleanly, none lost', async () => {
    await using repo = await ordersRepo({ 'customers.csv': fixture('customers.csv') });
    await track(repo, 'customers.csv', ['id']);
    await (await api(repo)).commit({ message: 'customers' });
    await repo.write('orders.csv', ORDERS.replace('\n1,101,', '\n1,102,'));
    await repo.write('customers.csv', fixture('customers.csv').replace('Bob', 'Rob'));
    const results = await Promise.all([run(repo, ['commit', '-am', 'first']), run(repo, ['commit', '-am', 'second'])]);
    const landed = results.map((r, i) => (r.code === 0 ? ['first', 'second'][i] : undefined)).filter(Boolean);
    expect(landed.length).toBeGreaterThan(0);
    for (const r of results.filter((x) => x.code !== 0)) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^lakegit: error: (nothing to commit|another lakegit process holds the repository lock)/);
    }
    const log = await logJson(repo);
    expect(
      log
        .map((e: any) => e.message)
        .slice(0, landed.length)
        .sort(),
    ).toEqual([...landed].sort());
    expect(log.map((e: any) => e.message).slice(landed.length)).toEqual(['customers', 'load orders']);
    const touched = log
      .slice(0, landed.length)
      .flatMap((e: any) => e.tables)
      .sort();
    expect(touched).toEqual(['customers', 'orders']);
    expect(await statusText(repo)).toContain('nothing to commit, working tree clean');
    expect((await (await api(repo)).fsck()).problems).toEqual([]);
  });

  it('concurrency: four concurrent commits all land, one after the other', async () => {
    await using repo = await ordersRepo();
    const results = await Promise.all([0, 1, 2, 3].map((i) => run(repo, ['commit', '--allow-empty', '-m', `c${i}`])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const log = await logJson(repo);
    expect(log).toHaveLength(5);
    expect(
      log
        .slice(0, 4)
        .map((e: any) => e.message)
        .sort(),
    ).toEqual(['c0', 'c1', 'c2', 'c3']);
    // A chain, not four siblings: each commit's parent is the one before it.
    for (let i = 0; i < 4; i++) expect(log[i].parents).toEqual([log[i + 1].commit]);
  });

  it('concurrency: a live lock makes a writer wait, then exit 1 with a clear message, changing nothing', async () => {
    await using repo = await ordersRepo();
    await fsp.writeFile(repo.path('.lakegit/lakegit.lock'), JSON.stringify({ pid: process.pid, at: Date.now() }));
    const started = Date.now();
    const r = await run(repo, ['commit', '--allow-empty', '-m', 'blocked'], { LAKEGIT_LOCK_WAIT_MS: '600' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('lakegit: error: another lakegit process holds the repository lock');
    expect(r.stderr).toContain('hint: wait for it to finish and try again');
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(await repo.read('.lakegit/lakegit.lock')).toContain(`"pid":${process.pid}`);
    await fsp.rm(repo.path('.lakegit/lakegit.lock'));
    expect((await logJson(repo)).map((e: any) => e.message)).toEqual(['load orders']);
  });

  it('concurrency: a lock left by a dead process, or an empty one, is taken over without manual cleanup', async () => {
    await using repo = await ordersRepo();
    await fsp.writeFile(repo.path('.lakegit/lakegit.lock'), JSON.stringify({ pid: await deadPid(), at: Date.now() }));
    expect((await run(repo, ['commit', '--allow-empty', '-m', 'after a crash'])).code).toBe(0);
    expect(await repo.exists('.lakegit/lakegit.lock')).toBe(false);
    await fsp.writeFile(repo.path('.lakegit/lakegit.lock'), '');
    const old = new Date(Date.now() - 10_000);
    utimesSync(repo.path('.lakegit/lakegit.lock'), old, old);
    expect((await run(repo, ['commit', '--allow-empty', '-m', 'after a torn lock'])).code).toBe(0);
    expect((await logJson(repo)).map((e: any) => e.message)).toEqual(['after a torn lock', 'after a crash', 'load orders']);
  });

  it('concurrency: readers do not take the lock', async () => {
    await using repo = await ordersRepo();
    await fsp.writeFile(repo.path('.lakegit/lakegit.lock'), JSON.stringify({ pid: process.pid, at: Date.now() }));
    for (const args of [['status'], ['log'], ['show'], ['fsck'], ['branch']]) {
      expect((await run(repo, args, { LAKEGIT_LOCK_WAIT_MS: '100' })).code, args.join(' ')).toBe(0);
    }
    await fsp.rm(repo.path('.lakegit/lakegit.lock'));
  });
});
