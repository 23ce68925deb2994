import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { api, commit, json, ORDERS, ordersRepo } from './core-helpers.js';

// A scenario runs the CLI about ten times; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 180_000 });

/*
 * History used below (orders.csv, key id):
 *   c1 "load orders" -> c2 (row 6 amount 43) -> c3 (row 6 amount 44)      on main
 * then `reset --hard HEAD~2` leaves main at c1; c2 and c3 are reachable only from the reflog.
 */
const edit = (amount: string) => ORDERS.replace('\n6,102,42.00,', `\n6,102,${amount},`);
const git = (dir: string, ...args: string[]) => execFileSync('git', ['--git-dir', `${dir}/.lakegit`, ...args], { encoding: 'utf8' });

async function threeCommits() {
  const repo = await ordersRepo();
  await repo.write('orders.csv', edit('43.00'));
  const c2 = await commit(repo, 'amount 43', true);
  await repo.write('orders.csv', edit('44.00'));
  const c3 = await commit(repo, 'amount 44', true);
  return { repo, c2, c3 };
}

describe('reflog and recovery', () => {
  it('reflog: every ref move is logged in git format, newest first, as text and JSON', async () => {
    const { repo, c3 } = await threeCommits();
    // The ref moves in-process (the ops write the reflog; the CLI adds nothing to it); reflog runs the CLI.
    const a = await api(repo);
    await a.checkout({ target: 'HEAD', create: 'side' });
    await a.checkout({ target: 'main' });
    await a.createBranch('side', 'HEAD~1', true);
    await a.reset('HEAD~2', 'hard');
    await a.merge({ source: 'side' });
    const text = await repo.ok('reflog');
    expect(text.split('\n').map((l) => l.slice(8))).toEqual([
      'HEAD@{0}: merge side: Fast-forward',
      'HEAD@{1}: reset: moving to HEAD~2',
      'HEAD@{2}: checkout: moving from side to main',
      'HEAD@{3}: checkout: moving from main to side',
      'HEAD@{4}: commit: amount 44',
      'HEAD@{5}: commit: amount 43',
      'HEAD@{6}: commit (initial): load orders',
      '',
    ]);
    // git reads the same log: lakegit writes git's format and place.
    expect(git(repo.dir, 'reflog', '--format=%gd %gs')).toBe(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => `${l.slice(8).replace(/: /, ' ')}\n`)
        .join(''),
    );
    const side = await json(repo, 'reflog', 'side');
    expect(side.map((e: { message: string }) => e.message)).toEqual(['branch: Reset to HEAD~1', 'branch: Created from HEAD']);
    expect(side[1]).toMatchObject({ selector: 'side@{1}', commit: c3, previous: null, author: 'Ann Analyst <ann@example.com>' });
    expect(side[0].previous).toBe(c3);
    expect(side[0].date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await repo.ok('reflog', 'main', '-n', '1')).toMatch(/^[0-9a-f]{7} main@\{0\}: merge side: Fast-forward\n$/);
  });

  it('reflog: HEAD@{n} and branch@{n} are revisions in every verb; an entry that does not exist is exit 2', async () => {
    const { repo, c2 } = await threeCommits();
    expect((await json(repo, 'log', 'main@{1}', '-n', '1'))[0].commit).toBe(c2);
    expect(await repo.ok('sql', 'select amount from orders@HEAD@{1} where id = 6', '--format', 'csv')).toMatch(/^amount\n43(\.0*)?\n$/);
    expect((await repo.ok('diff', 'HEAD@{1}', 'HEAD', '--stat')).length).toBeGreaterThan(0);
    expect(await repo.ok('export', 'orders@main@{2}', 'old.csv')).toMatch(/^wrote 12 rows/);
    expect(await repo.read('old.csv')).toMatch(/\n6,102,42(\.0*)?,/);
    const r = await repo.run('log', 'HEAD@{9}');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown revision 'HEAD@{9}'");
  });

  it('recovery: reset --hard HEAD~2, gc, then checkout HEAD@{1} brings the rows back', async () => {
    const { repo, c3 } = await threeCommits();
    await repo.ok('reset', '--hard', 'HEAD~2');
    expect(await repo.read('orders.csv')).toMatch(/\n6,102,42(\.0*)?,/);
    expect(await repo.ok('gc')).toMatch(/^removed 0 chunk\(s\)/);
    // Even --prune=now keeps what a live reflog entry reaches.
    expect(await repo.ok('gc', '--prune=now')).toMatch(/^removed 0 chunk\(s\)/);
    await repo.ok('checkout', 'HEAD@{1}');
    expect(await repo.read('orders.csv')).toMatch(/\n6,102,44(\.0*)?,/);
    await repo.ok('checkout', 'main');
    await repo.ok('checkout', c3);
    expect(await repo.ok('fsck')).toContain(': ok');
  });

  it('recovery: with the reflog expired, gc --prune=now removes the old rows for good', async () => {
    const { repo, c3 } = await threeCommits();
    const a = await api(repo);
    await a.reset('HEAD~2', 'hard');
    await a.setConfig('gc.reflogExpire', 'now');
    expect(await repo.ok('gc')).toMatch(
      /^removed 0 chunk\(s\), 0 bytes; kept 3 \(2 unreachable but younger than the prune grace period\)\n$/,
    );
    expect(await a.reflog()).toEqual([]);
    expect(await repo.ok('gc', '--prune=now')).toMatch(/^removed 2 chunk\(s\)/);
    expect((await repo.run('checkout', 'HEAD@{1}')).exitCode).toBe(2);
    expect((await repo.run('checkout', c3)).exitCode).toBe(3);
    expect((await a.fsck()).problems).toEqual([]);
  });

  it('gc: gc.pruneExpire decides how long an unreachable chunk stays; a bad value is exit 2', async () => {
    const repo = await ordersRepo();
    const a = await api(repo);
    await repo.write('orders.csv', edit('45.00'));
    await a.add({ paths: ['orders.csv'], cwd: repo.dir }); // a chunk only the index reaches
    await a.reset('HEAD', 'hard'); // ... and now nothing does, nor any reflog entry
    expect(await repo.ok('gc')).toMatch(/^removed 0 chunk\(s\).*\(1 unreachable/);
    await a.setConfig('gc.pruneExpire', '1.week.ago');
    expect((await a.gc()).removed).toBe(0);
    const old = new Date(Date.now() - 8 * 86400_000);
    for (const f of await fsp.readdir(repo.path('.lakegit/chunks'))) await fsp.utimes(repo.path(`.lakegit/chunks/${f}`), old, old);
    expect(await repo.ok('gc')).toMatch(/^removed 1 chunk\(s\), \d+ bytes; kept 1\n$/);
    await a.setConfig('gc.pruneExpire', 'soon-ish');
    const r = await repo.run('gc');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("cannot read gc.pruneExpire 'soon-ish'");
    expect((await repo.run('gc', '--prune', 'whenever')).exitCode).toBe(2);
  });

  it('gc: never deletes a chunk a remote-tracking ref reaches', async () => {
    const { repo, c3 } = await threeCommits();
    git(repo.dir, 'update-ref', 'refs/remotes/origin/main', c3);
    await repo.ok('reset', '--hard', 'HEAD~2');
    await repo.ok('config', 'gc.reflogExpire', 'now');
    expect(await repo.ok('gc', '--prune=now')).toMatch(/^removed 0 chunk\(s\)/);
    // (The short name origin/main is the remote verbs' to resolve; the full name works everywhere.)
    expect(await repo.ok('sql', 'select amount from orders@refs/remotes/origin/main where id = 6', '--format', 'csv')).toMatch(
      /^amount\n44(\.0*)?\n$/,
    );
    expect((await json(repo, 'log', 'refs/remotes/origin/main@{0}', '-n', '1'))[0].commit).toBe(c3);
  });

  it('reflog: branch rename moves its log, branch delete removes it; API returns the same entries', async () => {
    const { repo } = await threeCommits();
    await repo.ok('branch', 'b1');
    await repo.ok('branch', '-m', 'b1', 'b2');
    expect((await json(repo, 'reflog', 'b2')).map((e: { message: string }) => e.message)).toEqual([
      'Branch: renamed refs/heads/b1 to refs/heads/b2',
      'branch: Created from HEAD',
    ]);
    await repo.ok('branch', '-D', 'b2');
    expect(await repo.exists('.lakegit/logs/refs/heads/b2')).toBe(false);
    expect((await repo.run('reflog', 'b2')).exitCode).toBe(2);
    expect((await (await api(repo)).reflog()).length).toBe(3);
  });
});
