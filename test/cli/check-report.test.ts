import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it, vi } from 'vitest';
import { byName, checkedRepo, json, logOf, ORDERS, steps } from './check-fixture.js';

// Each scenario runs the CLI a dozen times or more; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 180_000 });

// main: orders 1..5 (Ann).  load: Bob adds order 6 with amount -4; then Cy makes order 3 negative.
async function blamedRepo() {
  const repo = await checkedRepo();
  const set = await steps(repo); // set-up in-process; the checks run the CLI
  await set.checkout('HEAD', 'load');
  const bob = `${ORDERS}6,11,-4.00,cancelled,1,r6,t,6\n`;
  await repo.write('orders.csv', bob);
  await set.commit('bob adds 6', { noVerify: true, author: 'Bob <bob@example.com>' });
  await repo.write('orders.csv', bob.replace('3,10,1.00', '3,10,-1.00'));
  await set.commit('cy edits 3', { noVerify: true, author: 'Cy <cy@example.com>' });
  return repo;
}

describe('check: reports', () => {
  it('check --blame: names the commit and author that introduced each violating row', async () => {
    await using repo = await blamedRepo();
    const r = await repo.run('check', '--into', 'main', '--blame', '--json');
    expect(r.exitCode).toBe(1);
    const rep = json(r.stdout);
    const range = byName(rep, 'range(amount)');
    expect(range.sample).toEqual([
      { id: 3, amount: '-1.00' },
      { id: 6, amount: '-4.00' },
    ]);
    const log = await logOf(repo); // in-process: log has its own tests
    expect(range.introducedBy).toEqual([
      expect.objectContaining({ key: { id: 3 }, commit: log[0].commit, author: 'Cy <cy@example.com>', message: 'cy edits 3' }),
      expect.objectContaining({ key: { id: 6 }, commit: log[1].commit, author: 'Bob <bob@example.com>', message: 'bob adds 6' }),
    ]);
    expect(byName(rep, 'not_null(id)').introducedBy).toBeUndefined();
    const text = await repo.run('check', '--into', 'main', '--blame');
    expect(text.stdout).toMatch(/\{"id":6\} introduced by [0-9a-f]{7} Bob <bob@example.com>/);
  });

  it('check --format junit: one testcase per check, a failure with the sample for each failing one (parsed back)', async () => {
    await using repo = await blamedRepo();
    const r = await repo.run('check', '--into', 'main', '--format', 'junit', '--blame');
    expect(r.exitCode).toBe(1);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(r.stdout);
    const suite = doc.testsuites.testsuite;
    expect(doc.testsuites).toMatchObject({ tests: '12', failures: '1' });
    expect(suite.name).toBe('lakegit.yaml at main into main');
    const cases = suite.testcase as { name: string; classname: string; failure?: { message: string; type: string; '#text': string } }[];
    expect(cases).toHaveLength(12);
    expect(cases.map((c) => c.name)).toContain('not_null(customer_id)');
    const failed = cases.filter((c) => c.failure);
    expect(failed.map((c) => c.name)).toEqual(['range(amount)']);
    expect(failed[0].classname).toBe('lakegit.orders');
    expect(failed[0].failure).toMatchObject({ message: '2 violation(s)', type: 'range' });
    expect(failed[0].failure!['#text']).toContain('{"id":3,"amount":"-1.00"}');
    expect(failed[0].failure!['#text']).toContain('introduced by');
  });

  it('check --format github: one ::error line per failing check, pointing at lakegit.yaml', async () => {
    await using repo = await blamedRepo();
    await repo.write('orders.csv', `${(await repo.read('orders.csv')).replace(/4,11,2\.0+,new/, '4,11,2.00,lost')}`);
    await (await steps(repo)).commit('lost', { noVerify: true });
    const r = await repo.run('check', '--into', 'main', '--format', 'github');
    expect(r.exitCode).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3); // 3 rows changed is also more than max_change's 50% of 5
    expect(lines[0]).toMatch(
      /^::error file=lakegit\.yaml,line=5,title=lakegit check%3A orders accepted_values\(status\)::orders: accepted_values\(status\) failed with 1 violation\(s\)%0A\{"id":4,"status":"lost"\}$/,
    );
    expect(lines[1]).toMatch(/^::error file=lakegit\.yaml,line=6,title=.*range\(amount\)::.*2 violation/);
    expect(lines[2]).toMatch(/^::error file=lakegit\.yaml,line=8,title=.*max_change\(\)::.*3 row\(s\) changed, more than 50%25/);
    expect((await repo.run('check', 'main', '--format', 'github')).stdout).toBe('');
  });
});
