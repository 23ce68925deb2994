import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LakegitError } from '../../src/errors.js';
import { parseTableRef, validateRefName } from '../../src/ops/revisions.js';

describe('parseTableRef', () => {
  it('parseTableRef: table@rev splits at the last @, a bare name has no revision', () => {
    expect(parseTableRef('orders@main~2')).toEqual({ table: 'orders', rev: 'main~2' });
    expect(parseTableRef('orders')).toEqual({ table: 'orders', rev: undefined });
    expect(parseTableRef('my orders@HEAD^2')).toEqual({ table: 'my orders', rev: 'HEAD^2' });
    expect(parseTableRef('"odd@name"@v1')).toEqual({ table: 'odd@name', rev: 'v1' });
    expect(parseTableRef('orders@')).toEqual({ table: 'orders', rev: undefined });
  });

  it('parseTableRef: any table name without @ and any revision round-trip', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !s.includes('@') && !s.startsWith('"')),
        // A revision never opens with `{` (that is a reflog selector, `main@{1}`) or `"` (a quoted revision).
        fc.string({ minLength: 1 }).filter((s) => !s.includes('@') && !/^[{"]/.test(s)),
        (table, rev) => {
          expect(parseTableRef(`${table}@${rev}`)).toEqual({ table, rev });
        },
      ),
    );
  });

  it('parseTableRef: an unterminated quote is bad input', () => {
    expect(() => parseTableRef('"orders@v1')).toThrow(LakegitError);
  });
});

describe('validateRefName', () => {
  it('validateRefName: accepts git-valid names and refuses the rest with exit 2', () => {
    for (const ok of ['main', 'feature/x', 'v1.0', 'a-b_c']) expect(validateRefName(ok, 'branch')).toBe(ok);
    for (const bad of ['', 'a..b', 'a b', 'x~1', 'y^', 'q:r', '-lead', 'end/', 'end.', 'x.lock', 'HEAD', '@', 'a@{b', '.dot', 'a//b']) {
      expect(() => validateRefName(bad, 'branch'), bad).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });
});
