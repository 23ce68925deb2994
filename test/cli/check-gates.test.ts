import { describe, expect, it, vi } from 'vitest';
import { snapshotDir } from '../helpers.js';
import { byName, checkedRepo, json, logOf, ORDERS, steps } from './check-fixture.js';

// Each scenario runs the CLI a dozen times or more; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 180_000 });

const NEGATIVE = ORDERS.replace('3,10,1.00,shipped', '3,10,-1.00,shipped');

describe('check: gates on every way rows land on a branch', () => {
  it('commit: pre-commit checks refuse bad rows with exit 1 naming each violation, change nothing; --no-verify commits', async () => {
    await using repo = await checkedRepo();
    await repo.write('orders.csv', NEGATIVE.replace('4,11,2.00,new', '4,11,2.00,lost'));
    await (await steps(repo)).add('orders.csv'); // set-up in-process; the commits run the CLI
    const before = await snapshotDir(repo.dir);
    const r = await repo.run('commit', '-m', 'bad');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('commit refused by pre-commit checks: 2 of 12 check(s) of lakegit.yaml being committed failed');
    expect(r.stderr).toContain('✗ orders: range(amount) — 1 violation(s)');
    expect(r.stderr).toContain('{"id":3,"amount":"-1.00"}');
    expect(r.stderr).toContain('✗ orders: accepted_values(status) — 1 violation(s)');
    expect(r.stderr).toContain('--no-verify');
    expect(await snapshotDir(repo.dir)).toEqual(before);
    await repo.ok('commit', '-m', 'bad anyway', '--no-verify');
    expect((await logOf(repo, 1))[0].message).toBe('bad anyway'); // in-process: log has its own tests
  });

  it('protect: a protected branch refuses direct commits (even --no-verify) and resets; unprotect allows them', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; protect and the refused verbs run the CLI
    await set.checkout('HEAD', 'side');
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,3.50'));
    await set.commit('on a branch');
    await set.checkout('main');
    expect(await repo.ok('protect', 'main')).toContain("Branch 'main' is now protected.");
    expect((await repo.run('protect', 'nope')).exitCode).toBe(2);
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,4.50'));
    await set.add('orders.csv');
    const before = await snapshotDir(repo.dir);
    for (const args of [
      ['commit', '-m', 'direct'],
      ['commit', '-m', 'direct', '--no-verify'],
      ['reset', '--hard', 'side'],
      ['reset', '--soft', 'side'],
    ]) {
      const r = await repo.run(...args);
      expect.soft(r.exitCode, args.join(' ')).toBe(1);
      expect.soft(r.stderr, args.join(' ')).toContain("branch 'main' is protected");
    }
    expect(await snapshotDir(repo.dir)).toEqual(before);
    await repo.ok('unprotect', 'main');
    await repo.ok('reset', '--hard', 'side');
    expect(await repo.read('orders.csv')).toContain('5,10,3.5');
  });

  it('check --into: a branch that deletes lakegit.yaml is still held to the checks of main', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the checks run the CLI
    await set.checkout('HEAD', 'sneaky');
    await repo.ok('rm', 'lakegit.yaml', '--cached').catch(() => undefined);
    await repo.write('lakegit.yaml', '');
    await repo.write('orders.csv', NEGATIVE);
    await set.commit('no more checks');
    expect((await repo.run('check')).exitCode).toBe(0); // its own (empty) lakegit.yaml passes
    const r = await repo.run('check', '--into', 'main', '--json');
    expect(r.exitCode).toBe(1);
    const rep = json(r.stdout);
    expect(rep.config).toBe('lakegit.yaml at main');
    expect(byName(rep, 'range(amount)')).toMatchObject({ passed: false, violations: 1, sample: [{ id: 3, amount: '-1.00' }] });
  });

  it('check --into: a branch that loosens a range is still held to the range of main', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the checks run the CLI
    await set.checkout('HEAD', 'loose');
    await repo.write('lakegit.yaml', (await repo.read('lakegit.yaml')).replace('amount: { min: 0 }', 'amount: { min: -100 }'));
    await repo.write('orders.csv', NEGATIVE);
    await set.commit('allow negative amounts'); // passes its own, looser checks (a refusal fails the test)
    const r = await repo.run('check', '--into', 'main', '--format', 'json');
    expect(r.exitCode).toBe(1);
    expect(byName(json(r.stdout), 'range(amount)')).toMatchObject({ passed: false, violations: 1 });
    expect((await repo.run('check', 'main', '--into', 'loose')).exitCode).toBe(0);
  });

  it('check --into: unknown branch is exit 2; a fast-forward that passes is exit 0 and notes the passes on main', async () => {
    await using repo = await checkedRepo();
    expect((await repo.run('check', '--into', 'nope')).exitCode).toBe(2);
    const set = await steps(repo); // set-up in-process; the checks run the CLI
    await set.checkout('HEAD', 'good');
    await repo.write('orders.csv', `${ORDERS}6,11,4.00,cancelled,2,r6,u,6\n`);
    await set.commit('one more order');
    const rep = json(await repo.ok('check', '--into', 'main', '--json'));
    expect(rep.passed).toBe(true);
    // main's own commit passed its pre-commit checks, noted on its tree: those that can ran incrementally
    // (unique over the changed rows' groups, the foreign key while customers is unchanged); row_count cannot.
    expect(byName(rep, 'range(amount)').mode).toBe('incremental');
    expect(byName(rep, 'unique(ref)').mode).toBe('incremental');
    expect(byName(rep, 'foreign_keys(customer_id)').mode).toBe('incremental');
    expect(byName(rep, 'no_huge_orders').mode).toBe('incremental');
    expect(byName(rep, 'row_count()').mode).toBe('full');
    const full = json(await repo.ok('check', '--into', 'main', '--json', '--full'));
    expect(byName(full, 'range(amount)').mode).toBe('full');
    expect(byName(full, 'unique(ref)').mode).toBe('full');
  });
});
