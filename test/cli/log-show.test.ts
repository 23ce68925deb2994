import { describe, expect, it } from 'vitest';
import { execFileText } from '../helpers.js';
import { commit, editRow, json, newRepo, ORDERS, ordersRepo, track } from './core-helpers.js';

/** History: C1 load orders (orders) → C2 customers (customers) → C3 orders edit (orders, one row changed, one removed). */
async function history() {
  const repo = await ordersRepo({ 'customers.csv': 'id,name\n101,Ann\n102,Bob\n' });
  await track(repo, 'customers.csv', ['id']);
  await commit(repo, 'add customers');
  await repo.write('orders.csv', editRow(editRow(ORDERS, '2', '2,102,25.00,paid,2024-01-04 10:00:00,true,first order'), '9', null));
  await commit(repo, 'fix orders\n\nsecond paragraph', true);
  return repo;
}

describe('log and show', () => {
  it('log: newest first, with author, date, message and the tables each commit touched', async () => {
    await using repo = await history();
    const log = await json(repo, 'log');
    expect(log.map((e: any) => [e.message, e.tables])).toEqual([
      ['fix orders\n\nsecond paragraph', ['orders']],
      ['add customers', ['customers']],
      ['load orders', ['orders']],
    ]);
    expect(log[0].parents).toEqual([log[1].commit]);
    expect(log[2].parents).toEqual([]);
    const text = await repo.ok('log');
    expect(text).toContain(
      `commit ${log[0].commit}\nAuthor: Ann Analyst <ann@example.com>\nDate:   2026-01-01T00:00:00Z\n\n    fix orders\n    \n    second paragraph\n`,
    );
    const git = await execFileText('git', ['--git-dir', '.lakegit', 'log', '--format=%H'], repo.dir);
    expect(git.trim().split('\n')).toEqual(log.map((e: any) => e.commit));
  });

  it('log: --oneline, -n, --table and a starting revision', async () => {
    await using repo = await history();
    const log = await json(repo, 'log');
    const short = (i: number) => log[i].commit.slice(0, 7);
    expect(await repo.ok('log', '--oneline')).toBe(`${short(0)} fix orders\n${short(1)} add customers\n${short(2)} load orders\n`);
    expect(await repo.ok('log', '--oneline', '-n', '1')).toBe(`${short(0)} fix orders\n`);
    expect((await json(repo, 'log', '--table', 'customers')).map((e: any) => e.message)).toEqual(['add customers']);
    expect((await json(repo, 'log', 'HEAD~1')).map((e: any) => e.message)).toEqual(['add customers', 'load orders']);
    // A table no commit of the history has is bad input (issue 14), not an empty log.
    const none = await repo.run('log', '--oneline', '--table', 'nosuch');
    expect([none.exitCode, none.stdout, none.stderr]).toEqual([2, '', expect.stringContaining("no table named 'nosuch'")]);
  });

  it('show: a commit with the row counts it changed per table', async () => {
    await using repo = await history();
    const s = await json(repo, 'show', 'HEAD');
    expect(s).toMatchObject({ message: 'fix orders\n\nsecond paragraph', tables: ['orders'] });
    expect(s.changes).toEqual([{ table: 'orders', status: 'modified', schemaChanged: false, added: 0, removed: 1, modified: 1 }]);
    const text = await repo.ok('show');
    expect(text).toContain(`commit ${s.commit}`);
    expect(text).toContain('diff orders');
    expect(await repo.ok('show', '--stat')).toContain(' orders (modified)  ~1 -1');
    const root = await json(repo, 'show', 'HEAD~2');
    expect(root.changes).toEqual([{ table: 'orders', status: 'added', schemaChanged: false, added: 12, removed: 0, modified: 0 }]);
  });

  it('show: an unknown revision is exit 2 and names it', async () => {
    await using repo = await history();
    const r = await repo.run('show', 'HEAD~7');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("lakegit: error: unknown revision 'HEAD~7'\nhint: run 'lakegit log --oneline' to list commits\n");
    expect(r.stdout).toBe('');
  });

  it('log: a repository without commits has an empty log', async () => {
    await using repo = await newRepo();
    expect(await json(repo, 'log')).toEqual([]);
    expect(await repo.ok('log', '--oneline')).toBe('');
  });
});
