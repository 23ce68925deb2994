import { describe, expect, it } from 'vitest';
import { execFileText, tempRepo } from '../helpers.js';

describe('core scenario', () => {
  it('init/add/commit/branch/checkout: the tour from the README works and git sees the history', async () => {
    await using repo = await tempRepo({ 'orders.csv': 'id,amount,name\n1,10.5,a\n2,20,b\n3,30,"c d"\n' });
    await repo.ok('add', 'orders.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load orders');
    await repo.ok('checkout', '-b', 'fix');
    await repo.write('orders.csv', 'id,amount,name\n1,11.5,a\n2,20,b\n4,40,e\n');
    const st = JSON.parse(await repo.ok('status', '--json'));
    expect(st.tables[0].unstaged).toEqual({ added: 1, removed: 1, modified: 1 });
    await repo.ok('commit', '-am', 'fix amounts');
    expect((await repo.ok('log', '--oneline')).trim().split('\n')).toHaveLength(2);
    await repo.ok('checkout', 'main');
    expect(await repo.read('orders.csv')).toBe('id,amount,name\n1,10.5,a\n2,20,b\n3,30.0,c d\n'); // untouched lines keep their bytes
    const files = (await repo.ok('files', 'orders@fix')).trim().split('\n');
    expect(files.length).toBeGreaterThan(0);
    const gitLog = await execFileText('git', ['--git-dir', '.lakegit', 'log', '--oneline', 'fix'], repo.dir);
    expect(gitLog).toContain('fix amounts');
  });

  it('log: unknown revision is exit 2 with a message naming it', async () => {
    await using repo = await tempRepo();
    const r = await repo.run('log', 'nope');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("lakegit: error: unknown revision 'nope'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
