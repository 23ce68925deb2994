import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findRefs, replaceRefs, tokenize } from '../../../src/ops/sql/tokenize.js';

const refs = (sql: string) => findRefs(sql).revRefs.map((r) => [r.table, r.rev, sql.slice(r.start, r.end)]);

describe('sql tokenizer: table@rev references', () => {
  it('finds plain, quoted and suffixed references', () => {
    expect(refs('select * from orders@main except select * from orders@main~1')).toEqual([
      ['orders', 'main', 'orders@main'],
      ['orders', 'main~1', 'orders@main~1'],
    ]);
    expect(refs('select * from "my table"@v1 t join "a""b"@HEAD^2 using (id)')).toEqual([
      ['my table', 'v1', '"my table"@v1'],
      ['a"b', 'HEAD^2', '"a""b"@HEAD^2'],
    ]);
    expect(refs('from orders@feature/x-1, o@v1.0, p@abc1234')).toEqual([
      ['orders', 'feature/x-1', 'orders@feature/x-1'],
      ['o', 'v1.0', 'o@v1.0'],
      ['p', 'abc1234', 'p@abc1234'],
    ]);
  });

  it('takes a quoted revision and a reflog selector as part of the revision', () => {
    expect(refs('select * from cars@"t/b" join o@main@{2} using (id)')).toEqual([
      ['cars', 't/b', 'cars@"t/b"'],
      ['o', 'main@{2}', 'o@main@{2}'],
    ]);
  });

  it('ignores @ inside strings, comments and quoted identifiers', () => {
    const sql = `select 'orders@v1', E'it\\'s orders@v2', $$orders@v3$$, $t$orders@v4$t$, "orders@v5"
      -- orders@v6
      /* orders@v7 /* nested orders@v8 */ still orders@v9 */ from orders@v10`;
    expect(refs(sql)).toEqual([['orders', 'v10', 'orders@v10']]);
  });

  it('does not treat DuckDB operators or parameters as references', () => {
    expect(refs('select @ -5, [1,2] @> [1], [1] <@ [1,2], x@>y, $1, a @ b from t')).toEqual([]);
  });

  it('stops a revision before a comment and a trailing dot', () => {
    expect(refs('from orders@main-- the end')).toEqual([['orders', 'main', 'orders@main']]);
    expect(refs('from orders@feature/*c*/')).toEqual([['orders', 'feature', 'orders@feature']]);
    expect(refs('from orders@v1.')).toEqual([['orders', 'v1', 'orders@v1']]);
  });

  it('lists other identifiers, quoted ones unquoted', () => {
    expect(findRefs('select "Amount", x from orders o where s = \'customers\'').names).toEqual([
      { name: 'select', quoted: false },
      { name: 'Amount', quoted: true },
      { name: 'x', quoted: false },
      { name: 'from', quoted: false },
      { name: 'orders', quoted: false },
      { name: 'o', quoted: false },
      { name: 'where', quoted: false },
      { name: 's', quoted: false },
    ]);
  });

  it('replaces references and nothing else', () => {
    const sql = 'select \'a@b\', x from orders@v1 o join "c d"@HEAD~2 using (id)';
    const out = replaceRefs(sql, findRefs(sql).revRefs, (r) => `<${r.table}|${r.rev}>`);
    expect(out).toBe("select 'a@b', x from <orders|v1> o join <c d|HEAD~2> using (id)");
  });

  it('unterminated strings and comments run to the end without throwing', () => {
    expect(refs("select 'orders@v1")).toEqual([]);
    expect(refs('select /* orders@v1')).toEqual([]);
    expect(refs('select "orders@v1')).toEqual([]);
  });

  it('tokens tile the input exactly, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...`ab_1 '"$@-/*.\n~^eE`.split('')), maxLength: 60 }), (s) => {
        const ts = tokenize(s);
        let at = 0;
        for (const t of ts) {
          expect(t.start).toBe(at);
          expect(t.end).toBeGreaterThan(t.start);
          at = t.end;
        }
        expect(at).toBe(s.length);
      }),
    );
  });

  it('references inside literals survive a replacement untouched, for any literal text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (text) => {
        const lit = `'${text.replaceAll("'", "''")}'`;
        const sql = `select ${lit} from t@v1`;
        const out = replaceRefs(sql, findRefs(sql).revRefs, () => 'X');
        expect(out).toBe(`select ${lit} from X`);
      }),
    );
  });
});
