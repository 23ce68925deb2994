import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/db.js';
import {
  cellPickSql,
  decisionSql,
  mergeCount,
  mergeCountSql,
  mergeKeylessWhole,
  mergeRow,
  mergeValue,
  rowPickSql,
  type RowFacts,
} from '../../../src/ops/merge/policy.js';
import { mergeSchemas } from '../../../src/ops/merge/schema.js';

afterAll(async () => {
  if (Engine.loaded()) (await Engine.get()).close();
});

const bools = (n: number) => fc.tuple(...Array.from({ length: n }, () => fc.boolean()));

describe('merge policy (src/ops/delta.ts)', () => {
  it('merge: one side changed takes that side; both changed alike is clean; differently is a conflict', () => {
    expect(mergeValue(false, false, true)).toBe('base');
    expect(mergeValue(true, false, false)).toBe('ours');
    expect(mergeValue(false, true, false)).toBe('theirs');
    expect(mergeValue(true, true, true)).toBe('ours');
    expect(mergeValue(true, true, false)).toBe('conflict');
  });

  it('merge: rows changed differently on both sides merge by cells, or conflict when one side deleted the row', () => {
    const f = (o: Partial<RowFacts>): RowFacts => ({
      oursChanged: true,
      theirsChanged: true,
      sameChange: false,
      oursPresent: true,
      theirsPresent: true,
      ...o,
    });
    expect(mergeRow(f({}))).toBe('cells');
    expect(mergeRow(f({ oursPresent: false }))).toBe('conflict');
    expect(mergeRow(f({ theirsPresent: false }))).toBe('conflict');
    expect(mergeRow(f({ sameChange: true, oursPresent: false, theirsPresent: false }))).toBe('ours');
    expect(mergeRow(f({ theirsChanged: false }))).toBe('ours');
  });

  it('merge: the policy is symmetric up to ours/theirs', () => {
    fc.assert(
      fc.property(bools(3), ([o, t, s]) => {
        const swap = { ours: 'theirs', theirs: 'ours', base: 'base', conflict: 'conflict' } as const;
        const a = mergeValue(o, t, s);
        const b = mergeValue(t, o, s);
        expect(a === 'ours' && b === 'ours' && s ? true : swap[a] === b).toBe(true);
      }),
    );
  });

  it("merge: keyless counts add both sides' changes to the base and never go below zero", () => {
    fc.assert(
      fc.property(fc.nat(5), fc.nat(5), fc.nat(5), (b, o, t) => {
        expect(mergeCount(b, o, t)).toBe(Math.max(0, b + (o - b) + (t - b)));
        expect(mergeCount(b, o, b)).toBe(o);
        expect(mergeCount(b, b, t)).toBe(t);
      }),
    );
  });

  it('merge: the keyless count SQL is generated from the same rule and agrees with it, including below zero', async () => {
    const engine = await Engine.get();
    const cases = [];
    for (let b = 0; b <= 3; b++) for (let o = 0; o <= 3; o++) for (let t = 0; t <= 3; t++) cases.push([b, o, t]);
    const sql = cases.map(([b, o, t]) => mergeCountSql(String(b), String(o), String(t))).join(', ');
    const got = Object.values((await engine.one(`SELECT ${sql}`))!).map(Number);
    expect(got).toEqual(cases.map(([b, o, t]) => mergeCount(b, o, t)));
    expect(mergeCount(0, 1, 1)).toBe(2); // both sides append Z: two Zs
    expect(mergeCount(1, 0, 0)).toBe(0); // both delete the one Z: none, not -1
  });

  it('merge: a keyless table changed alike on both sides is still merged by rows, unless both removed it', () => {
    expect(mergeKeylessWhole(true, true, true, false)).toBe('conflict');
    expect(mergeKeylessWhole(true, true, true, true)).toBe('ours');
    expect(mergeKeylessWhole(true, false, false, false)).toBe('ours');
    expect(mergeKeylessWhole(false, true, false, false)).toBe('theirs');
    expect(mergeKeylessWhole(false, false, true, false)).toBe('base');
  });

  it('merge: the generated SQL decides exactly as the TypeScript policy, for every combination of flags', async () => {
    const engine = await Engine.get();
    for (let mask = 0; mask < 32; mask++) {
      const v = [0, 1, 2, 3, 4].map((i) => (mask & (1 << i)) !== 0);
      const [oursChanged, theirsChanged, sameChange, oursPresent, theirsPresent] = v;
      const lit = (b: boolean) => (b ? 'true' : 'false');
      const row = await engine.value<string>(
        `SELECT ${rowPickSql({
          oursChanged: lit(oursChanged),
          theirsChanged: lit(theirsChanged),
          sameChange: lit(sameChange),
          oursPresent: lit(oursPresent),
          theirsPresent: lit(theirsPresent),
        })}`,
      );
      expect(row).toBe(mergeRow({ oursChanged, theirsChanged, sameChange, oursPresent, theirsPresent }));
      const cell = await engine.value<string>(`SELECT ${cellPickSql(lit(v[0]), lit(v[1]), lit(v[2]))}`);
      expect(cell).toBe(mergeValue(v[0], v[1], v[2]));
    }
    expect(decisionSql(['x'], ([x]) => (x ? 'yes' : 'no'))).toMatch(/^CASE WHEN/);
  });
});

describe('schema merge (src/ops/merge-schema.ts)', () => {
  const base = [
    { name: 'id', type: 'INTEGER' },
    { name: 'a', type: 'VARCHAR' },
    { name: 'b', type: 'INTEGER' },
  ];

  it("merge: a column added on one side is added, after ours' columns", () => {
    const r = mergeSchemas(base, base, [...base, { name: 'c', type: 'DOUBLE' }], undefined);
    expect(r.columns.map((c) => c.name)).toEqual(['id', 'a', 'b', 'c']);
    expect(r.conflicts).toEqual([]);
  });

  it('merge: the same column added on both sides is clean with one type and a conflict with two', () => {
    const ours = [...base, { name: 'c', type: 'DOUBLE' }];
    expect(mergeSchemas(base, ours, ours, undefined).conflicts).toEqual([]);
    const r = mergeSchemas(base, ours, [...base, { name: 'c', type: 'VARCHAR' }], undefined);
    expect(r.conflicts).toEqual([{ column: 'c', base: null, ours: 'DOUBLE', theirs: 'VARCHAR' }]);
    expect(r.columns.find((c) => c.name === 'c')?.type).toBe('DOUBLE');
    expect(mergeSchemas(base, ours, [...base, { name: 'c', type: 'VARCHAR' }], 'theirs').columns.find((c) => c.name === 'c')?.type).toBe(
      'VARCHAR',
    );
  });

  it('merge: a column dropped on one side and re-typed on the other is a conflict; dropped alone is dropped and guarded', () => {
    const dropped = base.filter((c) => c.name !== 'b');
    const retyped = base.map((c) => (c.name === 'b' ? { ...c, type: 'BIGINT' } : c));
    expect(mergeSchemas(base, dropped, retyped, undefined).conflicts).toEqual([
      { column: 'b', base: 'INTEGER', ours: null, theirs: 'BIGINT' },
    ]);
    const alone = mergeSchemas(base, base, dropped, undefined);
    expect(alone.columns.map((c) => c.name)).toEqual(['id', 'a']);
    expect(alone.guarded).toEqual([{ column: 'b', keeper: 'ours', baseType: 'INTEGER', newType: null }]);
    const forced = mergeSchemas(base, base, dropped, undefined, new Set(['b']));
    expect(forced.conflicts.map((c) => c.column)).toEqual(['b']);
    expect(forced.columns.map((c) => c.name)).toEqual(['id', 'a', 'b']);
  });
});
