import { describe, expect, it } from 'vitest';
import { allowanceOf, policyChanges } from '../../../src/ops/remote/receive-policy.js';

describe('check-policy rule of the pre-receive hook', () => {
  it('allowanceOf: the Lakegit-Allow-Check-Changes trailer names who allowed it; absent or empty is none', () => {
    expect(allowanceOf('merge x\n\nLakegit-Allow-Check-Changes: Ann <ann@x.io>\n')).toBe('Ann <ann@x.io>');
    expect(allowanceOf('merge x\n\nlakegit-allow-check-changes:   Bob\n')).toBe('Bob');
    expect(allowanceOf('merge x\n\nLakegit-Allow-Check-Changes:\n')).toBeUndefined();
    expect(allowanceOf('merge x mentions Lakegit-Allow-Check-Changes: in passing\n')).toBeUndefined();
    expect(allowanceOf('merge x\n')).toBeUndefined();
  });

  it('policyChanges: added, removed and changed paths, sorted', () => {
    const before = new Map([
      ['lakegit.yaml', 'a'],
      ['checks', 't1'],
    ]);
    const after = new Map([
      ['lakegit.yaml', 'b'],
      ['hooks', 't2'],
    ]);
    expect(policyChanges(before, after)).toEqual(['checks', 'hooks', 'lakegit.yaml']);
    expect(policyChanges(before, new Map(before))).toEqual([]);
  });
});
