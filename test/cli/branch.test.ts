import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execFileText } from '../helpers.js';
import { api, commit, expectRefusedUnchanged, json, lakegitState, ORDERS, ordersRepo, statusJson } from './core-helpers.js';

describe('branch', () => {
  it('branch: creating one writes a ref and copies no rows', async () => {
    await using repo = await ordersRepo();
    const before = await lakegitState(repo);
    expect(await repo.ok('branch', 'feature')).toBe('');
    const after = await lakegitState(repo);
    const added = Object.keys(after).filter((f) => !(f in before));
    expect(added.sort()).toEqual(['logs/refs/heads/feature', 'refs/heads/feature']); // the ref and its reflog
    expect(Object.keys(before).filter((f) => after[f] !== before[f])).toEqual([]);
    expect(await fsp.readFile(repo.path('.lakegit/refs/heads/feature'), 'utf8')).toBe(
      await fsp.readFile(repo.path('.lakegit/refs/heads/main'), 'utf8'),
    );
  });

  it('branch: lists branches with the current one marked, in text and JSON', async () => {
    await using repo = await ordersRepo();
    await (await api(repo)).createBranch('b-two');
    await (await api(repo)).createBranch('a-one', 'HEAD');
    expect(await repo.ok('branch')).toBe('  a-one\n  b-two\n* main\n');
    const list = await json(repo, 'branch', '--list');
    expect(list.map((b: any) => [b.name, b.current])).toEqual([
      ['a-one', false],
      ['b-two', false],
      ['main', true],
    ]);
    expect(list[0].commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('branch: a start point names where the branch begins', async () => {
    await using repo = await ordersRepo();
    // Set-up and read-back in-process (log and commit have their own tests): branch runs the CLI.
    const a = await api(repo);
    const first = (await a.log())[0].commit;
    await a.commit({ message: 'second', allowEmpty: true });
    await repo.ok('branch', 'old', first.slice(0, 8));
    expect((await a.log({ rev: 'old' })).map((e) => e.message)).toEqual(['load orders']);
  });

  it('branch: an existing or invalid name, or an unknown start, is exit 2 and changes nothing', async () => {
    await using repo = await ordersRepo();
    await (await api(repo)).createBranch('taken');
    expect((await expectRefusedUnchanged(repo, 2, 'branch', 'taken')).stderr).toContain("a branch named 'taken' already exists");
    expect((await expectRefusedUnchanged(repo, 2, 'branch', 'bad..name')).stderr).toContain("'bad..name' is not a valid branch name");
    expect((await expectRefusedUnchanged(repo, 2, 'branch', 'x', 'nowhere')).stderr).toContain("unknown revision 'nowhere'");
  });

  it('branch: -d deletes a merged branch, refuses an unmerged one (exit 1) and -D forces it', async () => {
    await using repo = await ordersRepo();
    const a = await api(repo);
    await a.createBranch('merged');
    await a.checkout({ target: 'HEAD', create: 'side' });
    await repo.write('orders.csv', ORDERS.replace('\n1,101,', '\n1,999,'));
    await commit(repo, 'side work', true);
    await a.checkout({ target: 'main' });
    expect(await repo.ok('branch', '-d', 'merged')).toMatch(/^Deleted branch merged \(was [0-9a-f]{7}\)\.\n$/);
    const r = await expectRefusedUnchanged(repo, 1, 'branch', '-d', 'side');
    expect(r.stderr).toContain("branch 'side' is not fully merged");
    expect(r.stderr).toContain("hint: use 'lakegit branch -D side'");
    await repo.ok('branch', '-D', 'side');
    expect((await json(repo, 'branch')).map((b: any) => b.name)).toEqual(['main']);
  });

  it('branch: the checked-out branch cannot be deleted, and an unknown one is exit 2', async () => {
    await using repo = await ordersRepo();
    expect((await expectRefusedUnchanged(repo, 1, 'branch', '-D', 'main')).stderr).toContain("cannot delete the checked-out branch 'main'");
    expect((await expectRefusedUnchanged(repo, 2, 'branch', '-d', 'ghost')).stderr).toContain("no branch named 'ghost'");
  });

  it('branch: -m renames a branch and HEAD follows the current one', async () => {
    await using repo = await ordersRepo();
    await repo.ok('branch', '-m', 'main', 'trunk');
    expect(await repo.ok('branch')).toBe('* trunk\n');
    expect((await execFileText('git', ['--git-dir', '.lakegit', 'symbolic-ref', 'HEAD'], repo.dir)).trim()).toBe('refs/heads/trunk');
    expect((await statusJson(repo)).branch).toBe('trunk'); // in-process: status has its own tests
    expect((await expectRefusedUnchanged(repo, 2, 'branch', '-m', 'trunk')).stderr).toContain('branch -m needs <old> <new>');
  });
});
