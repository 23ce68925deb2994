import { describe, expect, it, vi } from 'vitest';
import { snapshotDir } from '../helpers.js';
import { checkedRepo, CHECKS_YAML, steps } from './check-fixture.js';

// Each scenario runs the CLI a dozen times or more; on a loaded machine that outgrows the default.
vi.setConfig({ testTimeout: 180_000 });

// Each case: a lakegit.yaml, the line it must name, and words the message must hold.
const CASES: [string, string, number, RegExp][] = [
  ['malformed YAML', 'checks:\n  orders:\n    not_null: [id\n    unique: [ref]\n', 4, /malformed YAML/],
  ['unknown table', 'checks:\n  orders:\n    not_null: [id]\n  ordrs:\n    not_null: [id]\n', 5, /unknown table 'ordrs'/],
  [
    'unknown column',
    'checks:\n  orders:\n    not_null: [id]\n    range: { amout: { min: 0 } }\n',
    4,
    /unknown column 'amout' in table 'orders'/,
  ],
  ['unknown check kind', 'checks:\n  orders:\n    not_nul: [id]\n', 3, /unknown check 'not_nul'/],
  [
    'foreign key to an unknown column',
    'checks:\n  orders:\n    foreign_keys: { customer_id: customers.cid }\n',
    3,
    /unknown column 'cid' in table 'customers'/,
  ],
  [
    'bad SQL',
    'checks:\n  orders:\n    sql:\n      - name: broken\n        query: selec * from orders\n',
    5,
    /sql rule 'broken'.*syntax error/,
  ],
  [
    'SQL naming an unknown column',
    'checks:\n  orders:\n    sql:\n      - name: ghost\n        query: select * from orders where ghost > 1\n',
    5,
    /sql rule 'ghost'.*cannot run/,
  ],
  ['a bound of the wrong type', 'checks:\n  orders:\n    range: { amount: { min: lots } }\n', 3, /"lots" is not a (DOUBLE|DECIMAL)/],
  ['a malformed max_change', 'checks:\n  orders:\n    max_change: ten percent\n', 3, /max_change must be/],
  ['an unknown section', 'checks: {}\nhookz: {}\n', 2, /unknown section 'hookz'/],
];

describe('check: misconfiguration is exit 2, naming the line', () => {
  it('check/commit: each misconfigured lakegit.yaml is refused with exit 2 naming its line; nothing changes', async () => {
    await using repo = await checkedRepo();
    const set = await steps(repo); // set-up in-process (add, the --no-verify commit); the refused commits and check run the CLI
    for (const [what, yaml, line, message] of CASES) {
      await repo.write('lakegit.yaml', yaml);
      await set.add('lakegit.yaml');
      const before = await snapshotDir(repo.path('.lakegit'));
      const r = await repo.run('commit', '-m', what);
      expect.soft(r.exitCode, what).toBe(2);
      expect.soft(r.stderr, what).toContain(`lakegit.yaml being committed, line ${line}:`);
      expect.soft(r.stderr, what).toMatch(message);
      expect.soft(await snapshotDir(repo.path('.lakegit')), what).toEqual(before);
    }
    // Committed anyway (--no-verify): `check` reports the same misconfiguration at that revision.
    await repo.write('lakegit.yaml', CASES[2][1]);
    await set.commit('bad config', { noVerify: true });
    const r = await repo.run('check');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("lakegit: error: lakegit.yaml at HEAD, line 4: unknown column 'amout' in table 'orders'");
    expect(r.stderr).toContain('hint: columns are: id, customer_id, amount');
  });

  it('check: an empty lakegit.yaml, or none, has nothing to check and passes', async () => {
    await using repo = await checkedRepo('');
    expect((await repo.run('check')).exitCode).toBe(0);
    await repo.write('lakegit.yaml', CHECKS_YAML);
    await (await steps(repo)).commit('checks now'); // set-up in-process
    expect(JSON.parse(await repo.ok('check', '--json')).checks).toHaveLength(12);
  });
});
