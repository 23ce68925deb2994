import { describe, expect, it, vi } from 'vitest';
import { snapshotDir } from '../helpers.js';
import { byName, checkedRepo, CUSTOMERS, json, logOf, ORDERS, steps } from './check-fixture.js';

// Each scenario runs the CLI a dozen times or more; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 240_000 });

const BAD = ORDERS.replace('3,10,1.00,shipped', '3,10,-1.00,shipped');

describe('check: failed gates are results; a protected branch keeps its checks', () => {
  it('merge --json / commit --json: a failed check is a result (status refused, the report inside), exit 1, nothing written', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the verbs under test run the CLI
    await set.checkout('HEAD', 'bad');
    await repo.write('orders.csv', BAD);
    const c = await repo.run('commit', '-am', 'bad rows', '--json');
    expect(c.exitCode).toBe(1);
    const refusedCommit = json(c.stdout);
    expect(refusedCommit).toMatchObject({ status: 'refused', branch: 'bad', gates: [{ gate: 'checks', passed: false }] });
    expect(byName(refusedCommit.gates[0].report, 'range(amount)')).toMatchObject({ passed: false, violations: 1 });
    await set.commit('bad rows', { noVerify: true });
    await set.checkout('main');
    await repo.write('customers.csv', `${CUSTOMERS}12,Cy\n`);
    await set.commit('a customer'); // a three-way merge, not a fast-forward
    const before = await snapshotDir(repo.dir);
    for (const args of [
      ['merge', 'bad', '--json'],
      ['merge', 'bad', '--json', '--dry-run'],
      ['merge', 'bad', '--no-ff', '--json'],
    ]) {
      const r = await repo.run(...args);
      expect(r.exitCode, args.join(' ')).toBe(1);
      const out = json(r.stdout);
      expect(out.status, args.join(' ')).toBe(args.includes('--dry-run') ? 'dry-run' : 'refused');
      expect(out.commit).toBeUndefined();
      const gate = out.gates.find((g: { gate: string }) => g.gate === 'checks');
      expect(gate).toMatchObject({ passed: false, summary: '1 of 12 check(s) of lakegit.yaml at main failed' });
      expect(gate.message).toContain("merge of 'bad' into 'main' refused");
      expect(byName(gate.report, 'range(amount)')).toMatchObject({ passed: false, violations: 1, sample: [{ id: 3, amount: '-1.00' }] });
      expect(await snapshotDir(repo.dir)).toEqual(before);
    }
    // A fast-forward is gated the same way.
    await set.checkout('HEAD', 'ff');
    await repo.write('orders.csv', BAD);
    await set.commit('bad again', { noVerify: true });
    await set.checkout('main');
    const ff = await repo.run('merge', 'ff', '--json');
    expect(ff.exitCode).toBe(1);
    expect(json(ff.stdout)).toMatchObject({ status: 'refused', gates: [{ gate: 'checks', passed: false }] });
    // Text: the summary on stdout, the account on stderr.
    const text = await repo.run('merge', 'bad');
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain("merge of 'bad' refused: nothing was written.");
    expect(text.stderr).toContain('✗ orders: range(amount) — 1 violation(s)');
  });

  it('protected main: a merge that changes lakegit.yaml is refused unless --allow-check-changes, which the commit records', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the verbs under test run the CLI
    await set.protect('main');
    await set.checkout('HEAD', 'weaken');
    await repo.write('lakegit.yaml', 'checks: {}\n');
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,3.50')); // rows that pass main's checks
    await set.commit('no more checks');
    await set.checkout('main');
    const before = await snapshotDir(repo.dir);
    const r = await repo.run('merge', 'weaken', '--json');
    expect(r.exitCode).toBe(1);
    const out = json(r.stdout);
    expect(out.status).toBe('refused');
    expect(out.gates[0]).toMatchObject({ gate: 'check-changes', passed: false });
    expect(out.gates[0].summary).toContain("changes the checks of protected branch 'main' (lakegit.yaml)");
    expect(out.gates[1]).toMatchObject({ gate: 'checks', passed: true });
    const text = await repo.run('merge', 'weaken');
    expect(text.exitCode).toBe(1);
    expect(text.stderr).toContain("refused: it changes the checks of protected branch 'main' (lakegit.yaml)");
    expect(text.stderr).toContain('--allow-check-changes');
    expect(await snapshotDir(repo.dir)).toEqual(before);
    // check --into names the policy change as a failing item, in every format.
    const c = await repo.run('check', 'weaken', '--into', 'main', '--json');
    expect(c.exitCode).toBe(1);
    expect(byName(json(c.stdout), 'policy(lakegit.yaml)')).toMatchObject({ passed: false, kind: 'policy' });
    expect((await repo.run('check', 'weaken', '--into', 'main', '--format', 'junit')).stdout).toContain('policy(lakegit.yaml)');
    expect((await repo.run('check', 'weaken', '--into', 'main', '--format', 'github')).stdout).toMatch(/::error .*policy\(lakegit\.yaml\)/);
    expect((await repo.run('check', 'weaken', '--into', 'main', '--allow-check-changes')).exitCode).toBe(0);
    // Allowed: a merge commit (even where a fast-forward was possible) with the trailer naming who allowed it.
    const admin = { LAKEGIT_AUTHOR_NAME: 'Ann Admin', LAKEGIT_AUTHOR_EMAIL: 'ann@x.io' };
    const ok = await repo.runEnv(admin, 'merge', 'weaken', '--allow-check-changes');
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('allowed by --allow-check-changes');
    const head = (await logOf(repo, 1))[0]; // in-process: log has its own tests
    expect(head.parents).toHaveLength(2);
    expect(head.message).toMatch(/\n\nLakegit-Allow-Check-Changes: Ann Admin <ann@x\.io>\n?$/);
  });

  it("hooks run the target's committed script: a working-tree edit to exit 0 does not pass; an uncommitted script is refused", async () => {
    const yaml = 'checks:\n  orders:\n    not_null: [id]\nhooks:\n  pre-merge:\n    - name: guard\n      run: sh checks/guard.sh\n';
    await using repo = await checkedRepo(yaml); // guard.sh does not exist yet: nothing is staged with the yaml
    const set = await steps(repo); // set-up in-process; the checks and the last merge run the CLI
    await set.checkout('HEAD', 'b');
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,3.50'));
    await set.commit('edit');
    await repo.write('checks/guard.sh', 'echo "guard says no"; exit 1\n');
    // A script that lives in the repository but was not committed with main's lakegit.yaml: refused.
    const un = json((await repo.run('check', '--into', 'main', '--json')).stdout);
    expect(byName(un, 'guard')).toMatchObject({ passed: false });
    expect(byName(un, 'guard').message).toContain("runs 'checks/guard.sh', which is not committed with this lakegit.yaml");
    // Committed on main with the yaml (staging lakegit.yaml stages the scripts its hooks name).
    await set.checkout('main');
    await repo.write('checks/guard.sh', 'echo "guard says no"; exit 1\n');
    await set.add('lakegit.yaml');
    await set.commit('guard script', { all: false });
    await set.checkout('b');
    expect((await set.merge('main', { noVerify: true })).status).toBe('merged'); // b gets main's lakegit.yaml and the script with it
    expect(await repo.read('checks/guard.sh')).toContain('guard says no');
    await repo.write('checks/guard.sh', 'exit 0\n'); // the working copy, weakened
    const r = await repo.run('check', '--into', 'main', '--json');
    expect(r.exitCode).toBe(1);
    expect(byName(json(r.stdout), 'guard')).toMatchObject({ passed: false });
    expect(byName(json(r.stdout), 'guard').output).toContain('guard says no');
    // Committed on the branch: the merge still runs main's copy, and into protected main it is a check change.
    await set.add('lakegit.yaml');
    await set.commit('weaken the guard', { all: false, noVerify: true });
    await set.checkout('main');
    await set.protect('main');
    const m = json((await repo.run('merge', 'b', '--json')).stdout);
    expect(m.status).toBe('refused');
    expect(m.gates[0]).toMatchObject({ gate: 'check-changes', passed: false });
    expect(m.gates[0].summary).toContain('checks/guard.sh');
    expect(byName(m.gates[1].report, 'guard').output).toContain('guard says no');
  });

  it("rename: main's checks of a table follow it when the merged branch renames it (mv), sql rules included", async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the check and the merge run the CLI
    await set.checkout('HEAD', 'rn');
    await set.mv('orders', 'sales');
    const yaml = await repo.read('lakegit.yaml');
    await repo.write('lakegit.yaml', yaml.replace('\n  orders:\n', '\n  sales:\n').replace('from orders', 'from sales'));
    await set.add('lakegit.yaml');
    await set.commit('orders are sales now', { all: false });
    await repo.write(
      'orders.csv',
      ORDERS.replace('3,10,1.00,shipped,3', '3,10,-1.00,shipped,3').replace('5,10,3.00,paid,5', '5,10,300.00,paid,5'),
    );
    await set.commit('bad rows', { noVerify: true });
    const r = await repo.run('check', 'rn', '--into', 'main', '--json');
    expect(r.exitCode, r.stderr).toBe(1);
    const rep = json(r.stdout);
    expect(rep.checks.map((c: { table: string }) => c.table)).not.toContain('orders');
    expect(byName(rep, 'range(amount)')).toMatchObject({ table: 'sales', passed: false, violations: 1 });
    expect(byName(rep, 'range(amount)').message).toContain("checks of 'orders' follow its rename to 'sales'");
    expect(byName(rep, 'no_huge_orders')).toMatchObject({ table: 'sales', passed: false, violations: 1 }); // `from orders`, read from sales
    expect(byName(rep, 'foreign_keys(customer_id)')).toMatchObject({ table: 'sales', passed: true });
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,3.50'));
    await set.commit('good rows');
    await set.checkout('main');
    await repo.write('customers.csv', `${CUSTOMERS}12,Cy\n`);
    await set.commit('a customer');
    const m = await repo.run('merge', 'rn', '--json');
    expect(m.exitCode, m.stderr).toBe(0);
    expect(json(m.stdout).gates[0]).toMatchObject({ gate: 'checks', passed: true });
    expect(await repo.ok('check')).toContain('sales');
  });
});
