import { describe, expect, it } from 'vitest';
import { parseChecksConfig } from '../../src/ops/checks/config.js';
import { LakegitError } from '../../src/errors.js';

const fails = (yaml: string): LakegitError => {
  try {
    parseChecksConfig(yaml, 'lakegit.yaml');
  } catch (e) {
    return e as LakegitError;
  }
  throw new Error('expected a misconfiguration');
};

describe('checks: lakegit.yaml parsing', () => {
  it('config: each entry becomes checks named <kind>(<columns>) with the line they came from', () => {
    const c = parseChecksConfig(`checks:
  orders:
    not_null: [id, amount]
    unique: [ref, [a, b]]
    accepted_values: { status: [new, 1, true] }
    range:
      amount: { min: 0 }
      day: { max: 2026-01-01 }
    row_count: { min: 1 }
    max_change: 12.5%
    schema: { allow_drop: false, required_columns: [id] }
    foreign_keys: { customer_id: "my.customers.id" }
    sql:
      - name: r1
        query: select 1;
hooks:
  timeout: 10
  pre-merge:
    - name: v
      run: python3 v.py
      timeout: 2
  pre-commit:
    - echo hi
`);
    expect(c.checks.map((s) => [s.name, s.line])).toEqual([
      ['not_null(id)', 3],
      ['not_null(amount)', 3],
      ['unique(ref)', 4],
      ['unique(a,b)', 4],
      ['accepted_values(status)', 5],
      ['range(amount)', 7],
      ['range(day)', 8],
      ['row_count()', 9],
      ['max_change()', 10],
      ['schema()', 11],
      ['foreign_keys(customer_id)', 12],
      ['r1', 15],
    ]);
    expect(c.checks[4]).toMatchObject({ values: ['new', 1, true] });
    expect(c.checks[8]).toMatchObject({ limit: 12.5, percent: true });
    expect(c.checks[9]).toMatchObject({ allowDrop: false, allowTypeChange: true, required: ['id'] });
    expect(c.checks[10]).toMatchObject({ refTable: 'my.customers', refColumn: 'id' });
    expect(c.checks[11]).toMatchObject({ kind: 'sql', query: 'select 1' });
    expect(c.hooks).toEqual([
      { event: 'pre-merge', name: 'v', run: 'python3 v.py', timeoutMs: 2000, line: 19 },
      { event: 'pre-commit', name: 'echo hi', run: 'echo hi', timeoutMs: 10000, line: 23 },
    ]);
  });

  it.each([
    ['checks:\n  orders:\n    range: { amount: {} }\n', 3, /needs 'min' or 'max'/],
    ['checks:\n  orders:\n    unique: [[]]\n', 3, /at least one column/],
    ['checks:\n  orders:\n    foreign_keys: { c: customers }\n', 3, /<table>\.<column>/],
    ['checks:\n  orders:\n    sql:\n      - query: select 1\n', 4, /needs 'name' and 'query'/],
    ['hooks:\n  post-merge: []\n', 2, /unknown hook event/],
    ['hooks:\n  pre-merge:\n    - name: x\n', 3, /needs 'run/],
    ['checks:\n  orders:\n    row_count: { min: -1 }\n', 3, /non-negative/],
    ['checks: [1, 2]\n', 1, /must be a mapping/],
    ['checks:\n  orders:\n    not_null: [id]\n    not_null: [x]\n', 4, /malformed YAML/],
  ])('config: %j is exit 2 naming line %i', (yaml, line, message) => {
    const e = fails(yaml);
    expect(e).toBeInstanceOf(LakegitError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`lakegit.yaml, line ${line}:`);
    expect(e.message).toMatch(message);
  });
});
