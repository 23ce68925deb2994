import { describe, expect, it } from 'vitest';
import { api, diverged, json, statusOf, type Diverged } from './merge-fixture.js';

const t = (...rows: string[]) => `id,name,amount,region\n${rows.map((r) => `${r}\n`).join('')}`;
// Two conflicting rows in EU, one in US; ids are strings with a space and a quote.
const BASE = t('"a 1",x,10,EU', "b'2,y,20,EU", 'c3,z,30,US');
const OURS = t('"a 1",x,11,EU', "b'2,y,21,EU", 'c3,z,31,US');
const THEIRS = t('"a 1",x,12,EU', "b'2,y,22,EU", 'c3,z,32,US');

/** Set-up in-process: `merge fix`, which stops on the three conflicts (merge's CLI has its own tests; here conflicts, resolve and reset are under test). */
async function mergeInConflict(d: Diverged): Promise<void> {
  expect((await (await api(d.repo)).merge({ source: 'fix' })).conflicts).toHaveLength(3);
}

describe('conflicts and resolve', () => {
  it('conflicts: lists nothing outside a merge; resolve there is bad input', async () => {
    await using d = await diverged(BASE, OURS, THEIRS);
    expect((await json(d.repo, 'conflicts')).value).toEqual([]);
    expect((await d.repo.ok('conflicts')).trim()).toBe('no conflicts');
    const r = await d.repo.run('resolve', 'orders', '--ours');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no merge');
  });

  it('conflicts: text and JSON list key, column, base, ours, theirs; a table filter narrows them', async () => {
    await using d = await diverged(BASE, OURS, THEIRS);
    await mergeInConflict(d);
    const list = (await json<{ key: { id: string } }[]>(d.repo, 'conflicts', 'orders')).value;
    expect(list.map((c) => c.key.id)).toEqual(['a 1', "b'2", 'c3']);
    expect(list[1]).toEqual({ table: 'orders', key: { id: "b'2" }, column: 'amount', base: 20, ours: 21, theirs: 22 });
    expect((await json(d.repo, 'conflicts', 'other')).value).toEqual([]);
    const text = await d.repo.ok('conflicts');
    expect(text).toMatch(/table\s+kind\s+key\s+column\s+base\s+ours\s+theirs/);
    expect(text).toMatch(/orders\s+cell\s+id=b'2\s+amount\s+20\s+21\s+22/);
  });

  it('resolve: --where settles only the matching rows; the rest stay listed; the state survives new processes', async () => {
    await using d = await diverged(BASE, OURS, THEIRS);
    await mergeInConflict(d);
    const r = await json<{ resolved: number; remaining: number }>(d.repo, 'resolve', 'orders', '--theirs', '--where', "region = 'EU'");
    expect(r.value).toEqual({ table: 'orders', resolved: 2, remaining: 1 });
    expect(await d.repo.read('orders.csv')).toBe(t('a 1,x,12,EU', "b'2,y,22,EU", 'c3,z,31,US'));
    expect((await json<{ key: object }[]>(d.repo, 'conflicts')).value.map((c) => c.key)).toEqual([{ id: 'c3' }]);
    expect((await d.repo.run('resolve', 'orders', '--ours', '--where', 'amount >')).exitCode).toBe(2);
    await d.repo.ok('resolve', 'orders', '--ours');
    expect(await d.repo.read('orders.csv')).toBe(t('a 1,x,12,EU', "b'2,y,22,EU", 'c3,z,31,US'));
    expect((await d.repo.run('resolve', 'orders', '--ours')).exitCode).toBe(2);
    await d.repo.ok('merge', '--continue');
  });

  it('resolve: needs exactly one of --ours and --theirs, and refuses to overwrite edits that are not added', async () => {
    await using d = await diverged(BASE, OURS, THEIRS);
    await mergeInConflict(d);
    expect((await d.repo.run('resolve', 'orders')).exitCode).toBe(2);
    expect((await d.repo.run('resolve', 'orders', '--ours', '--theirs')).exitCode).toBe(2);
    await d.repo.write('orders.csv', t('"a 1",x,99,EU', "b'2,y,21,EU", 'c3,z,31,US'));
    const r = await d.repo.run('resolve', 'orders', '--theirs');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('not added');
    await d.repo.ok('add', 'orders.csv');
    expect((await json(d.repo, 'conflicts')).value).toEqual([]);
  });

  it('merge: reset --hard ends a conflicted merge, as in git', async () => {
    await using d = await diverged(BASE, OURS, THEIRS);
    await mergeInConflict(d);
    await d.repo.ok('reset', '--hard', 'HEAD');
    expect((await statusOf(d.repo)).state).toBe('clean'); // in-process: status's CLI has its own tests
    expect((await json(d.repo, 'conflicts')).value).toEqual([]);
    expect(await d.repo.read('orders.csv')).toBe(OURS);
    expect((await d.repo.run('commit', '-m', 'nothing', '--allow-empty')).exitCode).toBe(0);
  });

  it('merge: starting a second merge while one is in progress is refused', async () => {
    await using d = await diverged(BASE, OURS, THEIRS);
    await mergeInConflict(d);
    const r = await d.repo.run('merge', 'fix');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('in progress');
  });
});
