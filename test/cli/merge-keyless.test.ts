import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { tempRepo } from '../helpers.js';
import { api, commitFile, diverged, json } from './merge-fixture.js';

const rowsOf = (text: string) => text.trimEnd().split('\n').slice(1).sort();
const t = (...rows: string[]) => `a,b\n${rows.map((r) => `${r}\n`).join('')}`;

// Issue 16, defect 4: count = base + (ours − base) + (theirs − base) per distinct row, never below zero.
describe('merge: keyless tables are multiset arithmetic', () => {
  it('merge: both sides appending the same row Z keeps two Zs (was one)', async () => {
    await using d = await diverged(t('1,x'), t('1,x', '9,z'), t('1,x', '9,z'), { key: null });
    const r = await d.repo.run('merge', 'fix');
    expect(r.exitCode).toBe(0);
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,x', '9,z', '9,z']);
  });

  it('merge: one side also appending W changes nothing about Z', async () => {
    await using d = await diverged(t('1,x'), t('1,x', '9,z'), t('1,x', '9,z', '8,w'), { key: null });
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,x', '8,w', '9,z', '9,z']);
  });

  it('merge: both sides deleting the one copy of a row leave none; deleting one of three on each side leaves one', async () => {
    await using d = await diverged(t('1,x', '2,y', '2,y', '2,y'), t('2,y', '2,y'), t('2,y', '2,y'), { key: null });
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['2,y']);
  });

  it('merge: the same keyless table added on both sides is two additions', async () => {
    const repo = await tempRepo({ 'k.csv': 'id\n1\n' });
    await using _ = repo;
    const r = await Repo.init(repo.dir);
    await r.add({ paths: ['k.csv'], cwd: repo.dir, key: ['id'] });
    await r.commit({ message: 'base' });
    await r.checkout({ target: 'HEAD', create: 'fix' });
    await repo.write('log.csv', t('1,x'));
    await r.add({ paths: ['log.csv'], cwd: repo.dir, keyless: true });
    await r.commit({ message: 'theirs adds log' });
    await r.checkout({ target: 'main' });
    await repo.write('log.csv', t('1,x'));
    await r.add({ paths: ['log.csv'], cwd: repo.dir, keyless: true });
    await r.commit({ message: 'ours adds log' });
    expect((await repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(rowsOf(await repo.read('log.csv'))).toEqual(['1,x', '1,x']);
  });

  it('revert: undoing an append of Z removes one Z, even when HEAD holds it twice', async () => {
    const repo = await tempRepo({ 'log.csv': t('1,x') });
    await using _ = repo;
    const r = await Repo.init(repo.dir);
    await r.add({ paths: ['log.csv'], cwd: repo.dir, keyless: true });
    await r.commit({ message: 'base' });
    const c = await commitFile(repo, 'log.csv', t('1,x', '9,z'), 'append z');
    await commitFile(repo, 'log.csv', t('1,x', '9,z', '9,z'), 'append z again');
    const out = await json<{ conflicts: unknown[] }>(repo, 'revert', c);
    expect(out.exitCode).toBe(0);
    expect(rowsOf(await repo.read('log.csv'))).toEqual(['1,x', '9,z']);
    // Reverting the removal of the one Z brings one back.
    const d = await commitFile(repo, 'log.csv', t('1,x'), 'drop z');
    expect((await repo.run('revert', d)).exitCode).toBe(0);
    expect(rowsOf(await repo.read('log.csv'))).toEqual(['1,x', '9,z']);
  });

  it('cherry-pick: applying an append of Z onto a HEAD that already has a Z keeps both', async () => {
    await using d = await diverged(t('1,x'), t('1,x', '9,z'), t('1,x', '9,z'), { key: null });
    const out = await json<{ status: string }>(d.repo, 'cherry-pick', d.theirs);
    expect(out.exitCode).toBe(0);
    expect(out.value.status).toBe('merged');
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,x', '9,z', '9,z']);
    expect((await (await api(d.repo)).log({ n: 1 }))[0].message).toContain('cherry picked from commit');
  });
});
