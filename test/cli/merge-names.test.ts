import { describe, expect, it } from 'vitest';
import { diverged, json } from './merge-fixture.js';

/** Lines of a CSV after its header, sorted: the merge's rows, whatever order the writer keeps. */
const rowsOf = (text: string) => text.trimEnd().split('\n').slice(1).sort();
const table = (header: string, ...rows: string[]) => `${header}\n${rows.map((r) => `${r}\n`).join('')}`;

// Issue 16, defect 7: the merge's scratch columns used to share the user's namespace.
describe('merge: user columns named like internal ones', () => {
  it('merge: a column named __bp in a three-way merge of different rows merges cleanly (was a binder error, exit 3)', async () => {
    const t = (...rows: string[]) => table('id,__bp,v', ...rows);
    await using d = await diverged(t('1,a,x', '2,b,y', '3,c,z'), t('1,a,X', '2,b,y', '3,c,z'), t('1,a,x', '2,B,y', '3,c,z', '4,d,w'));
    const r = await d.repo.run('merge', 'fix');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,a,X', '2,B,y', '3,c,z', '4,d,w']);
  });

  it("merge: a key column named __same keeps theirs' edit of another cell of the row (was lost silently)", async () => {
    const t = (...rows: string[]) => table('__same,a,b', ...rows);
    await using d = await diverged(t('1,a,e'), t('1,a,E'), t('1,A,e'), { key: ['__same'] });
    const r = await d.repo.run('merge', 'fix');
    expect(r.exitCode).toBe(0);
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,A,E']);
  });

  it('merge: a cell conflict in a table whose columns are called b, o, t and __lakegit-like names reports the right values', async () => {
    const t = (...rows: string[]) => table('o,b,t,__pick,__o_1', ...rows);
    await using d = await diverged(t('1,b0,t0,p0,x0'), t('1,b1,t0,p0,x0'), t('1,b2,t0,p1,x0'), { key: ['o'] });
    const r = await json<{ conflicts: { key: object; column: string; base: unknown; ours: unknown; theirs: unknown }[] }>(
      d.repo,
      'merge',
      'fix',
    );
    expect(r.exitCode).toBe(1);
    expect(r.value.conflicts).toEqual([{ table: 'orders', key: { o: 1 }, column: 'b', base: 'b0', ours: 'b1', theirs: 'b2' }]);
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,b1,t0,p1,x0']);
  });

  for (const name of ['__copy', '__n_o']) {
    it(`merge: a keyless table with a column ${name} merges as a multiset (was exit 3)`, async () => {
      const t = (...rows: string[]) => table(`a,${name}`, ...rows);
      await using d = await diverged(t('1,x', '2,y'), t('1,x', '2,y', '3,z'), t('1,x', '3,z'), { key: null });
      const r = await d.repo.run('merge', 'fix');
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,x', '3,z', '3,z']);
    });
  }

  it('merge: resolve --where works on a table whose key column is named rowid', async () => {
    const t = (...rows: string[]) => table('rowid,v', ...rows);
    await using d = await diverged(t('1,a', '2,b', '3,c'), t('1,A', '2,B', '3,c'), t('1,X', '2,Y', '3,c'), { key: ['rowid'] });
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(1);
    const r = await json<{ resolved: number; remaining: number }>(d.repo, 'resolve', 'orders', '--theirs', '--where', 'rowid = 2');
    expect(r.value).toMatchObject({ resolved: 1, remaining: 1 });
    expect(rowsOf(await d.repo.read('orders.csv'))).toEqual(['1,A', '2,Y', '3,c']);
  });
});
