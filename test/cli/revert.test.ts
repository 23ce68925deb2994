import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { tablesTreeOid } from '../../src/ops/tree.js';
import { snapshotDir, tempRepo, commitMade } from '../helpers.js';
import { api, commitFile, conflictsOf, diverged, headMessage, headOf, json, parentsOf, statusOf } from './merge-fixture.js';

// What a revert left (HEAD's message, conflicts, state, fsck) is read in-process; revert, resolve and commit run the CLI.

const t = (...rows: string[]) => `id,amount\n${rows.map((r) => `${r}\n`).join('')}`;

/** load: 1,10 2,20 → bump: 1,99 + 3,30 → two: 2,25 */
async function history() {
  const repo = await tempRepo({ 'o.csv': t('1,10', '2,20') }, false);
  const r = await Repo.init(repo.dir);
  await r.add({ paths: ['o.csv'], cwd: repo.dir, key: ['id'] });
  const load = commitMade(await r.commit({ message: 'load' })).oid;
  const bump = await commitFile(repo, 'o.csv', t('1,99', '2,20', '3,30'), 'bump');
  const two = await commitFile(repo, 'o.csv', t('1,99', '2,25', '3,30'), 'two');
  return { repo, load, bump, two };
}

describe('revert', () => {
  it("revert: undoes exactly that commit's row changes, in a new commit naming it, and leaves later changes alone", async () => {
    const h = await history();
    await using repo = h.repo;
    const r = await json<{ commit: string; status: string }>(repo, 'revert', 'HEAD~1');
    expect(r.exitCode).toBe(0);
    expect(await repo.read('o.csv')).toBe(t('1,10', '2,25'));
    expect(await parentsOf(repo, r.value.commit)).toEqual([h.two]);
    expect(await headMessage(repo)).toBe(`Revert "bump"\n\nThis reverts commit ${h.bump}.`);
    expect((await (await api(repo)).fsck()).problems).toEqual([]);
  });

  it('revert: reverting the revert restores the table', async () => {
    const h = await history();
    await using repo = h.repo;
    await repo.ok('revert', h.bump);
    await repo.ok('revert', 'HEAD');
    expect(await repo.read('o.csv')).toBe(t('1,99', '2,25', '3,30'));
    // The tables' tree: a commit's tree also holds its own change counts, which differ here (stats.json).
    const tree = async (rev: string) => {
      const { ctx } = await api(repo);
      return tablesTreeOid(ctx, (await ctx.git.readCommit(rev)).tree);
    };
    expect(await tree(await headOf(repo))).toBe(await tree(h.two));
  });

  it('revert: a later edit to a cell the commit changed is a conflict, not overwritten; status says reverting; commit finishes it', async () => {
    const h = await history();
    await using repo = h.repo;
    await commitFile(repo, 'o.csv', t('1,77', '2,25', '3,30'), 'seven');
    const r = await repo.run('revert', h.bump);
    expect(r.exitCode).toBe(1);
    expect(await conflictsOf(repo)).toEqual([{ table: 'o', key: { id: 1 }, column: 'amount', base: 99, ours: 77, theirs: 10 }]);
    expect(await repo.read('o.csv')).toBe(t('1,77', '2,25'));
    expect((await statusOf(repo)).state).toBe('reverting');
    expect((await repo.run('commit', '-m', 'not yet')).exitCode).toBe(1);
    await repo.ok('resolve', 'o', '--theirs');
    await repo.ok('commit', '-m', 'revert bump by hand');
    expect(await repo.read('o.csv')).toBe(t('1,10', '2,25'));
    expect((await parentsOf(repo, await headOf(repo))).length).toBe(1);
    expect((await json<{ state: string }>(repo, 'status')).value.state).toBe('clean');
  });

  it('revert: --abort of a conflicted revert puts everything back', async () => {
    const h = await history();
    await using repo = h.repo;
    await commitFile(repo, 'o.csv', t('1,77', '2,25', '3,30'), 'seven');
    const before = await snapshotDir(repo.dir);
    expect((await repo.run('revert', h.bump)).exitCode).toBe(1);
    await repo.ok('revert', '--abort');
    expect(await snapshotDir(repo.dir)).toEqual(before);
  });

  it('revert: --no-commit stages the undo without committing', async () => {
    const h = await history();
    await using repo = h.repo;
    await repo.ok('revert', h.bump, '--no-commit');
    expect(await headOf(repo)).toBe(h.two);
    expect(await repo.read('o.csv')).toBe(t('1,10', '2,25'));
    const st = await json<{ state: string; tables: { staged: object }[] }>(repo, 'status');
    expect(st.value.state).toBe('clean');
    expect(st.value.tables[0].staged).toEqual({ added: 0, removed: 1, modified: 1 });
  });

  it('revert: a merge commit needs -m 1, which undoes what the merge brought into its first parent', async () => {
    const base = t('1,10', '2,20');
    await using d = await diverged(base, t('1,11', '2,20'), t('1,10', '2,22', '5,50'), { file: 'o.csv' });
    await d.repo.ok('merge', 'fix');
    const merge = await headOf(d.repo);
    const refused = await d.repo.run('revert', 'HEAD');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('-m 1');
    expect((await d.repo.run('revert', 'HEAD~1', '--mainline', '1')).exitCode).toBe(2);
    await d.repo.ok('revert', 'HEAD', '-m', '1');
    expect(await d.repo.read('o.csv')).toBe(t('1,11', '2,20'));
    expect(await parentsOf(d.repo, await headOf(d.repo))).toEqual([merge]);
  });

  it('revert: refuses to start when the table has uncommitted changes (exit 1, nothing changed)', async () => {
    const h = await history();
    await using repo = h.repo;
    await repo.write('o.csv', t('1,99', '2,25', '3,30', '4,40'));
    const before = await snapshotDir(repo.dir);
    const r = await repo.run('revert', h.bump);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("'o'");
    expect(await snapshotDir(repo.dir)).toEqual(before);
  });

  it('revert: a commit that added a table is undone by removing it', async () => {
    const h = await history();
    await using repo = h.repo;
    await repo.write('c.csv', 'k,v\n1,a\n');
    const r = await api(repo);
    await r.add({ paths: ['c.csv'], cwd: repo.dir, key: ['k'] });
    await r.commit({ message: 'add c' });
    await repo.ok('revert', 'HEAD');
    expect(await repo.exists('c.csv')).toBe(false);
    expect((await json<{ tables: { table: string }[] }>(repo, 'status')).value.tables.map((x) => x.table)).toEqual(['o']);
  });
});
