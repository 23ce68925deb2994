import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { snapshotDir, tempRepo } from '../helpers.js';
import { api, commitFile, diverged, headOf, json, parentsOf } from './merge-fixture.js';

const t = (...rows: string[]) => `id,amount\n${rows.map((r) => `${r}\n`).join('')}`;

/** load: 1,10 2,20 → bump: 1,99 → seven: 1,77 (so reverting bump conflicts on id 1). */
async function conflictedHistory() {
  const repo = await tempRepo({ 'o.csv': t('1,10', '2,20') }, false);
  const r = await Repo.init(repo.dir);
  await r.add({ paths: ['o.csv'], cwd: repo.dir, key: ['id'] });
  await r.commit({ message: 'load' });
  const bump = await commitFile(repo, 'o.csv', t('1,99', '2,20'), 'bump');
  const seven = await commitFile(repo, 'o.csv', t('1,77', '2,20'), 'seven');
  return { repo, bump, seven };
}

const author = async (repo: Awaited<ReturnType<typeof tempRepo>>, rev: string) => (await (await api(repo)).ctx.git.readCommit(rev)).author;

// Spec: a conflicted revert/cherry-pick is finished with `revert --continue`/`cherry-pick --continue` (and --abort).
describe('revert and cherry-pick: --continue and --abort', () => {
  it('revert: a conflicted revert hints at revert --continue/--abort, refuses merge-style mixups, and revert --continue commits it', async () => {
    const h = await conflictedHistory();
    await using repo = h.repo;
    const r = await repo.run('revert', h.bump);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("'lakegit revert --continue'");
    expect(r.stdout).toContain("'lakegit revert --abort'");
    expect(r.stdout).not.toContain('merge --continue');
    const again = await repo.run('revert', h.bump);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("'lakegit revert --continue'");
    const early = await repo.run('revert', '--continue');
    expect(early.exitCode).toBe(1);
    expect(early.stderr).toContain("then 'lakegit revert --continue'");
    const wrong = await repo.run('cherry-pick', '--continue');
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('no cherry-pick is in progress: a revert is');
    await repo.ok('resolve', 'o', '--theirs');
    const done = await json<{ status: string; commit: string; kind: string }>(
      repo,
      'revert',
      '--continue',
      '--author',
      'Cid CI <ci@example.com>',
    );
    expect(done.exitCode).toBe(0);
    expect(done.value).toMatchObject({ status: 'committed', kind: 'revert' });
    expect(await repo.read('o.csv')).toBe(t('1,10', '2,20'));
    expect(await parentsOf(repo, done.value.commit)).toEqual([h.seven]);
    expect(await author(repo, done.value.commit)).toMatchObject({ name: 'Cid CI', email: 'ci@example.com' });
    const log = await json<{ message: string }[]>(repo, 'log', '-n', '1');
    expect(log.value[0].message).toContain(`This reverts commit ${h.bump}.`);
    expect((await json<{ state: string }>(repo, 'status')).value.state).toBe('clean');
    expect((await repo.run('revert', '--continue')).exitCode).toBe(2);
  });

  it('cherry-pick: a conflicted cherry-pick hints at cherry-pick --continue; cherry-pick --abort puts everything back', async () => {
    await using d = await diverged(t('1,10', '2,20'), t('1,11', '2,20'), t('1,12', '2,20'));
    const before = await snapshotDir(d.repo.dir);
    const r = await d.repo.run('cherry-pick', 'fix');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("'lakegit cherry-pick --continue'");
    expect(r.stdout).toContain("'lakegit cherry-pick --abort'");
    expect((await d.repo.run('revert', '--abort')).exitCode).toBe(2);
    const a = await json<{ status: string; kind: string }>(d.repo, 'cherry-pick', '--abort');
    expect(a.exitCode).toBe(0);
    expect(a.value).toMatchObject({ status: 'aborted', kind: 'cherry-pick' });
    expect(await snapshotDir(d.repo.dir)).toEqual(before);
    expect(await headOf(d.repo)).toBe(d.ours);
  });

  it("cherry-pick: --continue commits the resolution with the picked commit's message", async () => {
    await using d = await diverged(t('1,10', '2,20'), t('1,11', '2,20'), t('1,12', '2,20'));
    expect((await d.repo.run('cherry-pick', 'fix')).exitCode).toBe(1);
    await d.repo.ok('resolve', 'orders', '--theirs');
    const done = await json<{ status: string; commit: string }>(d.repo, 'cherry-pick', '--continue');
    expect(done.exitCode).toBe(0);
    expect(await d.repo.read('orders.csv')).toBe(t('1,12', '2,20'));
    expect(await parentsOf(d.repo, done.value.commit)).toEqual([d.ours]);
    const log = await json<{ message: string }[]>(d.repo, 'log', '-n', '1');
    expect(log.value[0].message).toContain(`(cherry picked from commit ${d.theirs})`);
  });
});

describe('merge, revert and cherry-pick: --author', () => {
  // A CI runner has no configured identity: only --author names one.
  const noIdentity = {
    LAKEGIT_AUTHOR_NAME: '',
    LAKEGIT_AUTHOR_EMAIL: '',
    GIT_AUTHOR_NAME: '',
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
  };

  it("merge: --author names the merge commit's author where no identity is configured; without it the merge is refused, nothing changed", async () => {
    await using d = await diverged(t('1,10', '2,20'), t('1,11', '2,20'), t('1,10', '2,22'));
    const before = await snapshotDir(d.repo.dir);
    const bare = await d.repo.runEnv(noIdentity, 'merge', 'fix');
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain('--author');
    expect(await snapshotDir(d.repo.dir)).toEqual(before);
    const bad = await d.repo.runEnv(noIdentity, 'merge', 'fix', '--author', 'no email here');
    expect(bad.exitCode).toBe(2);
    expect(await snapshotDir(d.repo.dir)).toEqual(before);
    const r = await d.repo.runEnv(noIdentity, 'merge', 'fix', '--author', 'CI Bot <ci@example.com>', '--json');
    expect(r.exitCode).toBe(0);
    const commit = JSON.parse(r.stdout).commit as string;
    expect(await author(d.repo, commit)).toMatchObject({ name: 'CI Bot', email: 'ci@example.com' });
    expect(await d.repo.read('orders.csv')).toBe(t('1,11', '2,22'));
  });

  it('revert and cherry-pick: --author names the author (cherry-pick otherwise keeps the original one)', async () => {
    await using d = await diverged(t('1,10', '2,20'), t('1,11', '2,20'), t('1,10', '2,22'));
    const picked = await json<{ commit: string }>(d.repo, 'cherry-pick', 'fix', '--author', 'Pat Picker <pat@example.com>');
    expect(picked.exitCode).toBe(0);
    expect(await author(d.repo, picked.value.commit)).toMatchObject({ name: 'Pat Picker' });
    const reverted = await d.repo.runEnv(noIdentity, 'revert', 'HEAD', '--author', 'Rae Reverter <rae@example.com>', '--json');
    expect(reverted.exitCode).toBe(0);
    expect(await author(d.repo, JSON.parse(reverted.stdout).commit)).toMatchObject({ name: 'Rae Reverter', email: 'rae@example.com' });
    expect(await d.repo.read('orders.csv')).toBe(t('1,11', '2,20'));
  });
});
