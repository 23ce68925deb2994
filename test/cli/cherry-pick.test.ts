import { describe, expect, it } from 'vitest';
import { diverged, headOf, json, parentsOf, api, commitFile, conflictsOf, headMessage, statusOf } from './merge-fixture.js';
import { commitMade } from '../helpers.js';

// What a cherry-pick left (HEAD's author and message, conflicts, staged rows) is read in-process; cherry-pick,
// status (where it is what a test says), resolve and merge --continue run the CLI.

const t = (...rows: string[]) => `id,amount,note\n${rows.map((r) => `${r}\n`).join('')}`;
const BASE = t('1,10,a', '2,20,b', '3,30,c');

describe('cherry-pick', () => {
  it("cherry-pick: applies one commit's row changes onto HEAD, keeping its author and naming it", async () => {
    // fix: + 8 (not picked) → 2 changed, + 4 (picked) → 3 changed (not picked)
    await using d = await diverged(BASE, t('1,10,a', '2,20,b', '3,30,c', '9,90,z'), t('1,10,a', '2,20,b', '3,30,c', '8,80,h'), {
      file: 'o.csv',
    });
    const r = await api(d.repo);
    await r.checkout({ target: 'fix' });
    await d.repo.write('o.csv', t('1,10,a', '2,21,b', '3,30,c', '4,40,d', '8,80,h'));
    const picked = commitMade(await r.commit({ message: 'fix two, add four', all: true, author: 'Bob <bob@x.io>' })).oid;
    await commitFile(d.repo, 'o.csv', t('1,10,a', '2,21,b', '3,31,c', '4,40,d', '8,80,h'), 'three too');
    await r.checkout({ target: 'main' });
    const res = await json<{ commit: string }>(d.repo, 'cherry-pick', picked);
    expect(res.exitCode).toBe(0);
    // The file keeps its order; key 4, new to it, goes at the end (docs/cli.md, "Row order of working files").
    expect(await d.repo.read('o.csv')).toBe(t('1,10,a', '2,21,b', '3,30,c', '9,90,z', '4,40,d'));
    expect(await parentsOf(d.repo, res.value.commit)).toEqual([d.ours]);
    const log = (await (await api(d.repo)).log({ n: 1 }))[0];
    expect(log.author).toBe('Bob <bob@x.io>');
    expect(log.message).toBe(`fix two, add four\n\n(cherry picked from commit ${picked})`);
  });

  it("cherry-pick: onto its own parent reproduces the commit's tables", async () => {
    await using d = await diverged(BASE, t('1,11,a', '2,20,b', '3,30,c'), t('1,10,a', '2,20,b'), { file: 'o.csv' });
    const r = await api(d.repo);
    await r.checkout({ target: d.base });
    await d.repo.ok('cherry-pick', d.ours);
    expect(await d.repo.read('o.csv')).toBe(t('1,11,a', '2,20,b', '3,30,c'));
    const tree = async (rev: string) => (await r.ctx.git.readCommit(rev)).tree;
    expect(await tree(await headOf(d.repo))).toBe(await tree(d.ours));
  });

  it('cherry-pick: a conflict stops it; status says merging; resolve and merge --continue finish with one parent', async () => {
    await using d = await diverged(BASE, t('1,11,a', '2,20,b', '3,30,c'), t('1,12,a', '2,20,b', '3,30,c'), { file: 'o.csv' });
    const r = await d.repo.run('cherry-pick', 'fix');
    expect(r.exitCode).toBe(1);
    expect((await json<{ state: string }>(d.repo, 'status')).value.state).toBe('merging');
    expect(await conflictsOf(d.repo)).toEqual([{ table: 'o', key: { id: 1 }, column: 'amount', base: 10, ours: 11, theirs: 12 }]);
    await d.repo.ok('resolve', 'o', '--theirs');
    const done = await json<{ commit: string }>(d.repo, 'merge', '--continue');
    expect(done.exitCode).toBe(0);
    expect(await parentsOf(d.repo, done.value.commit)).toEqual([d.ours]);
    expect(await d.repo.read('o.csv')).toBe(t('1,12,a', '2,20,b', '3,30,c'));
    expect(await headMessage(d.repo)).toContain(`(cherry picked from commit ${d.theirs})`);
  });

  it('cherry-pick: --no-commit applies and stages only', async () => {
    await using d = await diverged(BASE, t('1,11,a', '2,20,b', '3,30,c'), t('1,10,a', '2,20,b', '3,30,c', '5,50,e'), { file: 'o.csv' });
    await d.repo.ok('cherry-pick', 'fix', '--no-commit');
    expect(await headOf(d.repo)).toBe(d.ours);
    expect(await d.repo.read('o.csv')).toBe(t('1,11,a', '2,20,b', '3,30,c', '5,50,e'));
    expect((await statusOf(d.repo)).tables[0].staged).toEqual({
      added: 1,
      removed: 0,
      modified: 0,
    });
  });

  it('cherry-pick: an unknown revision is exit 2 naming it', async () => {
    await using d = await diverged(BASE, t('1,11,a'), t('1,12,a'), { file: 'o.csv' });
    const r = await d.repo.run('cherry-pick', 'nope');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown revision 'nope'");
  });
});
