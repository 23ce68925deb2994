import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FIXTURES } from '../helpers.js';
import { byName, checkedRepo, json, ORDERS, steps } from './check-fixture.js';

// Each scenario runs the CLI a dozen times or more; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 180_000 });

const withHooks = (hooks: string) => `checks:\n  orders:\n    not_null: [id]\nhooks:\n${hooks}`;

describe('check: command hooks', () => {
  it('hooks: a failing pre-commit hook blocks the commit, its output in the report; a passing one lets it through', async () => {
    await using repo = await checkedRepo(
      withHooks(
        '  pre-commit:\n    - name: guard\n      run: echo "looking at $LAKEGIT_EVENT on $LAKEGIT_SOURCE_REF"; test ! -f STOP || { echo "STOP file present" >&2; exit 3; }\n',
      ),
    );
    await repo.write('STOP', '');
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,3.25'));
    const r = await repo.run('commit', '-am', 'blocked');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('✗ hook guard — 1 violation(s) (exited with 3)');
    expect(r.stderr).toContain('| STOP file present');
    await fsp.rm(repo.path('STOP'));
    await repo.ok('commit', '-am', 'allowed');
    const rep = json(await repo.ok('check', '--json'));
    expect(byName(rep, 'guard')).toMatchObject({ passed: true, kind: 'hook', table: null });
    expect(byName(rep, 'guard').output).toContain('looking at check on HEAD');
  });

  it('hooks: a hook that outlives its timeout is killed and blocks', async () => {
    await using repo = await checkedRepo(
      withHooks('  timeout: 300\n  pre-merge:\n    - name: slow\n      run: echo started; sleep 30; echo never\n      timeout: 1\n'),
    );
    const set = await steps(repo); // set-up in-process; the check runs the CLI
    await set.checkout('HEAD', 'next');
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,3.25'));
    await set.commit('change');
    const t0 = Date.now();
    const r = await repo.run('check', '--into', 'main', '--json');
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.exitCode).toBe(1);
    const slow = byName(json(r.stdout), 'slow');
    expect(slow).toMatchObject({ passed: false, message: 'timed out after 1 s' });
    expect(slow.output).toContain('started');
    expect(slow.output).not.toContain('never');
  });

  it('hooks: a stdlib Python hook reads LAKEGIT_TABLES_JSON (compacted Parquet files and the diff) and can block', async () => {
    await using repo = await checkedRepo(
      withHooks(
        '  pre-merge:\n    - name: validate\n      run: python3 hooks/validate.py --max-removed 0 --require orders\n' +
          '    - name: files\n      run: sh hooks/check-files.sh\n',
      ),
    );
    for (const f of ['validate.py', 'check-files.sh']) await repo.write(`hooks/${f}`, await fsp.readFile(path.join(FIXTURES, 'hooks', f)));
    // Hook scripts are committed with lakegit.yaml (staging it stages them); hooks run that copy.
    const set = await steps(repo); // set-up in-process; the checks run the CLI
    await set.add('lakegit.yaml');
    await set.commit('hook scripts', { all: false });
    await set.checkout('HEAD', 'edit');
    await repo.write('orders.csv', `${ORDERS.replace('2,11,7.50', '2,11,7.75')}6,11,1.00,cancelled,1,r6,t,6\n`);
    await set.commit('edit and add');
    const ok = json(await repo.ok('check', '--into', 'main', '--json'));
    const validate = byName(ok, 'validate');
    expect(validate.passed).toBe(true);
    expect(validate.output).toContain('pre-merge: HEAD -> main');
    expect(validate.output).toContain('orders: 6 rows in 1 file(s); +1 -0 ~1 (modified)');
    expect(validate.output).toContain('customers: 2 rows in 1 file(s); +0 -0 ~0 (unchanged)');
    expect(byName(ok, 'files').output).toMatch(/event=pre-merge source=HEAD target=main commit=[0-9a-f]{40}\n2 parquet file\(s\) listed/);
    await repo.write('orders.csv', ORDERS.split('\n').slice(0, 5).join('\n'));
    await set.commit('drop a row');
    const r = await repo.run('check', '--into', 'main', '--json');
    expect(r.exitCode).toBe(1);
    const blocked = byName(json(r.stdout), 'validate');
    expect(blocked.passed).toBe(false);
    expect(blocked.output).toContain('FAIL orders: 1 rows removed, more than 0');
    // The compacted files lived in a temporary folder: the chunk store holds only chunk files.
    for (const f of await fsp.readdir(repo.path('.lakegit/chunks'))) expect(f).toMatch(/^[0-9a-f]{64}\.parquet$/);
  });
});
