import { promises as fsp } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { snapshotDir } from '../helpers.js';
import { byName, checkedRepo, CUSTOMERS, json, ORDERS, steps } from './check-fixture.js';

// Each scenario runs the CLI a dozen times or more; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 180_000 });

const BAD = ORDERS.replace('3,10,1.00,shipped', '3,10,-1.00,shipped').replace('4,11,2.00,new', '4,11,2.00,lost');

describe('check: merges are gated by the target branch', () => {
  it("merge: refused by main's checks (exit 1, each violation named) leaves refs, index, working files and chunks as before", async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the merges and the check run the CLI
    await set.checkout('HEAD', 'bad');
    await repo.write('orders.csv', BAD);
    await set.commit('bad rows', { noVerify: true });
    await set.checkout('main');
    await repo.write('customers.csv', `${CUSTOMERS}12,Cy\n`);
    await set.commit('a customer'); // main moved on: a three-way merge
    await set.protect('main');
    const before = await snapshotDir(repo.dir);
    const r = await repo.run('merge', 'bad');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("merge of 'bad' into 'main' refused: 2 of 12 check(s) of lakegit.yaml at main failed");
    expect(r.stderr).toContain('✗ orders: accepted_values(status) — 1 violation(s)');
    expect(r.stderr).toContain('{"id":4,"status":"lost"}');
    expect(r.stderr).toContain('✗ orders: range(amount) — 1 violation(s)');
    expect(await snapshotDir(repo.dir)).toEqual(before);
    const nv = await repo.run('merge', 'bad', '--no-verify');
    expect(nv.exitCode).toBe(1);
    expect(nv.stderr).toContain("branch 'main' is protected: --no-verify cannot skip the checks");
    expect(await snapshotDir(repo.dir)).toEqual(before);
    // check --into computes the same merge result without merging, and leaves the stores as they were.
    const c = await repo.run('check', 'bad', '--into', 'main', '--json');
    expect(c.exitCode).toBe(1);
    const rep = json(c.stdout);
    expect(byName(rep, 'range(amount)')).toMatchObject({ passed: false, violations: 1, sample: [{ id: 3, amount: '-1.00' }] });
    expect(byName(rep, 'foreign_keys(customer_id)').passed).toBe(true);
    expect(await snapshotDir(repo.dir)).toEqual(before);
  });

  it('merge: a branch that deletes lakegit.yaml or loosens a range cannot weaken the checks its merge faces', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the merges run the CLI
    await set.checkout('HEAD', 'loose');
    await repo.write('lakegit.yaml', (await repo.read('lakegit.yaml')).replace('amount: { min: 0 }', 'amount: { min: -100 }'));
    await repo.write('orders.csv', ORDERS.replace('3,10,1.00', '3,10,-1.00'));
    await set.commit('loosen and go negative');
    await set.checkout('main', 'nochecks');
    await fsp.rm(repo.path('lakegit.yaml'));
    await repo.write('orders.csv', ORDERS.replace('3,10,1.00', '3,10,-1.00'));
    await set.commit('drop lakegit.yaml and go negative');
    expect(await repo.exists('lakegit.yaml')).toBe(false);
    await set.checkout('main');
    const before = await snapshotDir(repo.dir);
    for (const branch of ['loose', 'nochecks']) {
      const r = await repo.run('merge', branch);
      expect.soft(r.exitCode, branch).toBe(1);
      expect.soft(r.stderr, branch).toContain('✗ orders: range(amount) — 1 violation(s)');
      expect.soft(await snapshotDir(repo.dir), branch).toEqual(before);
    }
  });

  it('merge: a passing merge into a protected branch commits; later merges check incrementally', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the merge and the check run the CLI
    await set.protect('main');
    await set.checkout('HEAD', 'good');
    await repo.write('orders.csv', `${ORDERS}6,11,4.00,cancelled,2,r6,u,6\n`);
    await set.commit('one more order');
    await set.checkout('main');
    expect(await repo.ok('merge', 'good', '--no-ff', '-m', 'merge good')).toContain('✓ 12 check(s) of lakegit.yaml at main passed');
    expect(await repo.read('orders.csv')).toContain('6,11,4.00,cancelled');
    await set.checkout('HEAD', 'next');
    await repo.write('orders.csv', (await repo.read('orders.csv')).replace('6,11,4.00,', '6,11,-4.00,'));
    await set.commit('negative', { noVerify: true });
    const rep = json((await repo.run('check', '--into', 'main', '--json')).stdout);
    expect(byName(rep, 'range(amount)')).toMatchObject({
      passed: false,
      violations: 1,
      mode: 'incremental',
      sample: [{ id: 6, amount: '-4.00' }],
    });
    expect(byName(rep, 'unique(ref)')).toMatchObject({ passed: true, mode: 'incremental' });
  });

  it('revert, cherry-pick: refused directly on a protected branch', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; revert and cherry-pick run the CLI
    await repo.write('orders.csv', ORDERS.replace('5,10,3.00', '5,10,3.50'));
    await set.commit('tweak');
    await set.checkout('HEAD', 'side');
    await repo.write('customers.csv', `${CUSTOMERS}12,Cy\n`);
    await set.commit('a customer');
    await set.checkout('main');
    await set.protect('main');
    const before = await snapshotDir(repo.dir);
    for (const args of [
      ['revert', 'HEAD'],
      ['cherry-pick', 'side'],
    ]) {
      const r = await repo.run(...args);
      expect.soft(r.exitCode, args[0]).toBe(1);
      expect.soft(r.stderr, args[0]).toContain(`branch 'main' is protected: it takes no direct ${args[0]}`);
      expect.soft(await snapshotDir(repo.dir), args[0]).toEqual(before);
    }
  });
});
