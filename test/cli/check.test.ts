import { describe, expect, it, vi } from 'vitest';
import { byName, checkedRepo, json, steps } from './check-fixture.js';

// Each scenario runs the CLI a dozen times or more; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 180_000 });

// main:   orders id 1..5, all checks pass.
// broken: id 2 loses its customer, 3 goes negative, 4 gets status 'lost', 5 orders 5000,
//         6 (new) has customer 99 and reuses ref r1, 7 (new) repeats (10,new); 'note' dropped, 'code' becomes text.
const BROKEN = `id,customer_id,amount,status,qty,ref,code
1,10,5.00,new,1,r1,1
2,,7.50,paid,2,r2,2
3,10,-1.00,shipped,3,r3,3
4,11,2.00,lost,4,r4,4
5,10,3.00,paid,5000,r5,5
6,99,4.00,new,1,r1,A6
7,10,4.00,new,1,r7,7
`;

describe('check: every kind', () => {
  it('check: every check kind passes on clean data, exit 0', async () => {
    await using repo = await checkedRepo();
    const r = await repo.run('check', '--format', 'json');
    expect(r.exitCode).toBe(0);
    const report = json(r.stdout);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c: { check: string }) => c.check)).toEqual([
      'not_null(id)',
      'not_null(customer_id)',
      'unique(ref)',
      'unique(customer_id,status)',
      'accepted_values(status)',
      'range(amount)',
      'range(qty)',
      'row_count()',
      'max_change()',
      'schema()',
      'foreign_keys(customer_id)',
      'no_huge_orders',
    ]);
    for (const c of report.checks) expect.soft([c.check, c.passed, c.violations, c.sample]).toEqual([c.check, true, 0, []]);
    expect((await repo.ok('check')).split('\n').filter((l) => l.startsWith('✓'))).toHaveLength(12);
  });

  it('check --into: every check kind fails with its count and sample rows (with keys), exit 1', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process; the checks run the CLI
    await set.checkout('HEAD', 'broken');
    await repo.write('orders.csv', BROKEN);
    await set.commit('bad load', { noVerify: true });
    const r = await repo.run('check', '--into', 'main', '--format', 'json');
    expect(r.exitCode).toBe(1);
    const rep = json(r.stdout);
    expect(rep.passed).toBe(false);
    expect(rep.into).toBe('main');
    const expectCheck = (name: string, violations: number, sample: unknown[]) => {
      const c = byName(rep, name);
      expect.soft(c.passed, name).toBe(violations === 0);
      expect.soft(c.violations, name).toBe(violations);
      expect.soft(c.sample, name).toEqual(sample);
    };
    expectCheck('not_null(id)', 0, []);
    expectCheck('not_null(customer_id)', 1, [{ id: 2, customer_id: null }]);
    expectCheck('unique(ref)', 2, [
      { id: 1, ref: 'r1' },
      { id: 6, ref: 'r1' },
    ]);
    expectCheck('unique(customer_id,status)', 2, [
      { id: 1, customer_id: 10, status: 'new' },
      { id: 7, customer_id: 10, status: 'new' },
    ]);
    expectCheck('accepted_values(status)', 1, [{ id: 4, status: 'lost' }]);
    expectCheck('range(amount)', 1, [{ id: 3, amount: '-1.00' }]);
    expectCheck('range(qty)', 1, [{ id: 5, qty: 5000 }]);
    expectCheck('row_count()', 1, [{ rows: 7, min: 1, max: 6 }]);
    expectCheck('foreign_keys(customer_id)', 1, [{ id: 6, customer_id: 99 }]);
    expectCheck('no_huge_orders', 1, [expect.objectContaining({ id: 5, qty: 5000 })]);
    const change = byName(rep, 'max_change()');
    expect(change.passed).toBe(false);
    expect(change.sample[0]).toMatchObject({ added: 2, removed: 0, limit: '50%', baseRows: 5 });
    const schema = byName(rep, 'schema()');
    expect(schema.violations).toBe(2);
    expect(schema.sample).toEqual([
      { column: 'note', problem: 'dropped', from: 'VARCHAR' },
      { column: 'code', problem: 'type changed', from: 'BIGINT', to: 'VARCHAR' },
    ]);
    const text = await repo.run('check', '--into', 'main');
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toMatch(/✗ orders {2}range\(qty\) {2}1 violation\(s\)/);
    expect(text.stdout).toMatch(/id\s+qty\n\s+5\s+5000/);
    expect(text.stdout).toContain('11 of 12 check(s) failed');
  });

  it('check: the sample holds at most 10 rows while the count is exact', async () => {
    await using repo = await checkedRepo('checks:\n  orders:\n    range: { qty: { max: 5 } }\n');
    const rows = Array.from({ length: 40 }, (_, i) => `${i + 1},10,1.00,new,${i + 1},r${i + 1},n,1`).join('\n');
    await repo.write('orders.csv', `id,customer_id,amount,status,qty,ref,note,code\n${rows}\n`);
    await (await steps(repo)).commit('more', { noVerify: true }); // set-up in-process
    const rep = json((await repo.run('check', '--json')).stdout);
    const c = byName(rep, 'range(qty)');
    expect(c.violations).toBe(35);
    expect(c.sample).toHaveLength(10);
    expect(c.sample[0]).toEqual({ id: 6, qty: 6 });
  });

  it('check: max_change as a row count, and a missing required column', async () => {
    await using repo = await checkedRepo('checks:\n  orders:\n    max_change: 1\n    schema: { required_columns: [note] }\n');
    await repo.write('orders.csv', 'id,customer_id,amount,status,qty,ref,code\n1,10,9.00,new,1,r1,1\n2,11,9.00,paid,2,r2,2\n');
    await (await steps(repo)).commit('shrink', { noVerify: true }); // set-up in-process
    const rep = json((await repo.run('check', '--json')).stdout);
    expect(byName(rep, 'max_change()')).toMatchObject({
      passed: false,
      violations: 5,
      sample: [{ added: 0, removed: 3, modified: 2, limit: 1 }],
    });
    expect(byName(rep, 'schema()')).toMatchObject({
      passed: false,
      violations: 1,
      sample: [{ column: 'note', problem: 'required column missing' }],
    });
  });
});
