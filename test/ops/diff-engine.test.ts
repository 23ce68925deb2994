import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/engine/quote.js';
import type { Column } from '../../src/table/schema.js';
import { rangeTuning } from '../../src/ops/diff/ranges.js';
import { applyRows, chunkFixture, collect, sortRows, sqlPatch, type Row, type Value } from './diff-fixture.js';

const COLUMNS: Column[] = [
  { name: 'id', type: 'INTEGER' },
  { name: 'a', type: 'INTEGER' },
  { name: 's', type: 'VARCHAR' },
  { name: 'f', type: 'DOUBLE' },
];

const value = {
  a: fc.option(fc.integer({ min: -3, max: 3 }), { nil: null }),
  s: fc.constantFrom<Value>('x', 'y', 'a b', "it's", '"q"', 'ü 🙂', '', 'NULL', null),
  f: fc.constantFrom<Value>(0.1, 0.30000000000000004, 0.3, Number.NaN, 1e300, -2.5, null),
};
const row = fc.record(value);

/** A table A and an edit script that turns it into B: most rows kept, so chunks are shared. */
const tables = fc.record({
  a: fc.uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 120 }), ...value }), { selector: (r) => r.id, maxLength: 80 }),
  edits: fc.array(fc.record({ id: fc.integer({ min: 0, max: 130 }), kind: fc.constantFrom('set', 'drop'), row }), { maxLength: 12 }),
  middle: fc.boolean(),
});

function edit(a: Row[], edits: { id: number; kind: string; row: Row }[]): Row[] {
  const m = new Map(a.map((r) => [r.id, r]));
  for (const e of edits) {
    if (e.kind === 'drop') m.delete(e.id);
    else m.set(e.id, { id: e.id, ...e.row });
  }
  return [...m.values()];
}

describe('diff engine', () => {
  it('diff: applying the JSON rows and the SQL patch of A→B to A gives B; pruned and full plans agree (keyed)', async () => {
    await using fx = await chunkFixture();
    const kinds = new Set<string>();
    const saved = rangeTuning.rows;
    rangeTuning.rows = 16;
    await fc
      .assert(
        fc.asyncProperty(tables, async ({ a, edits, middle }) => {
          // A may carry change chunks of its own (middle), so both sides can layer deltas over one base.
          let ma = await fx.fresh(COLUMNS, ['id'], middle ? edit(a, edits.slice(0, 2)) : a);
          if (middle) ma = await fx.stage(ma, COLUMNS, a);
          const mb = await fx.stage(ma, COLUMNS, edit(a, edits));
          const td = await fx.compare(fx.side(ma), fx.side(mb));
          kinds.add((await td.plan()).kind);
          const rows = await collect(td);
          const full = await collect(await fx.compare(fx.plainSide(ma), fx.plainSide(mb)));
          expect(rows).toEqual(full);
          const [rowsA, rowsB] = [await fx.rowsOf(ma), await fx.rowsOf(mb)];
          expect(sortRows(applyRows(rowsA, rows, ['id']), ['id'])).toEqual(sortRows(rowsB, ['id']));
          const stats = await td.stats();
          expect(stats.added + stats.removed + stats.modified).toBe(rows.length);
          await fx.engine.run(`CREATE OR REPLACE TABLE "t" AS ${fx.snapshot(ma).sql()}`);
          await fx.engine.run(await sqlPatch(td));
          expect(sortRows(await fx.engine.all('SELECT * FROM "t"'), ['id'])).toEqual(sortRows(rowsB, ['id']));
          const self = await fx.compare(fx.side(mb), fx.side(mb));
          expect(await self.plan()).toMatchObject({ kind: 'same', chunksRead: 0 });
          expect(await collect(self)).toEqual([]);
        }),
        { numRuns: 25 },
      )
      .finally(() => {
        rangeTuning.rows = saved;
      });
    expect([...kinds]).toContain('pruned');
  });

  it('diff: keyless tables diff as multisets; JSON rows and SQL patch both turn A into B', async () => {
    await using fx = await chunkFixture();
    const keyless = fc.record({
      a: fc.array(row, { maxLength: 40 }),
      drop: fc.array(fc.nat(), { maxLength: 6 }),
      add: fc.array(row, { maxLength: 6 }),
    });
    const cols = COLUMNS.filter((c) => c.name !== 'id');
    await fc.assert(
      fc.asyncProperty(keyless, async ({ a, drop, add }) => {
        const b = a.filter((_, i) => !drop.includes(i)).concat(add);
        const ma = await fx.fresh(cols, null, a);
        const mb = await fx.fresh(cols, null, b);
        const td = await fx.compare(fx.side(ma), fx.side(mb));
        const rows = await collect(td);
        expect(
          sortRows(
            rows.map((r) => r.before ?? r.after!),
            null,
          ),
        ).toEqual(
          sortRows(
            await collect(await fx.compare(fx.plainSide(ma), fx.plainSide(mb))).then((x) => x.map((r) => r.before ?? r.after!)),
            null,
          ),
        );
        const [rowsA, rowsB] = [await fx.rowsOf(ma), await fx.rowsOf(mb)];
        expect(applyRows(rowsA, rows, null)).toEqual(sortRows(rowsB, null));
        await fx.engine.run(`CREATE OR REPLACE TABLE "t" AS ${fx.snapshot(ma).sql()}`);
        await fx.engine.run(await sqlPatch(td));
        expect(sortRows(await fx.engine.all('SELECT * FROM "t"'), null)).toEqual(sortRows(rowsB, null));
      }),
      { numRuns: 25 },
    );
  });

  it('diff: a snapshot against itself is empty and reads no chunk (even with every chunk file gone)', async () => {
    await using fx = await chunkFixture();
    const rows = Array.from({ length: 200 }, (_, i) => ({ id: i, a: i % 7, s: `s${i}`, f: i / 3 }));
    let m = await fx.fresh(COLUMNS, ['id'], rows);
    m = await fx.stage(
      m,
      COLUMNS,
      rows.map((r) => (r.id === 5 ? { ...r, a: 99 } : r)),
    );
    expect(m.chunks.length).toBeGreaterThan(5);
    expect(m.deltas.length).toBe(1);
    await fsp.rm(fx.store.dir, { recursive: true });
    const td = await fx.compare(fx.side(m), fx.side({ ...m, source: { file: 'moved.parquet', format: 'parquet' } }));
    expect(await td.plan()).toEqual({ kind: 'same', chunksRead: 0, chunksTotal: m.chunks.length + 1 });
    expect(await td.stats()).toEqual({ added: 0, removed: 0, modified: 0 });
    expect(await td.rowsEqual()).toBe(true);
    expect(await collect(td)).toEqual([]);
  });

  it('diff: a small change in a many-chunk table reads only the chunks it touches', async () => {
    await using fx = await chunkFixture();
    const rows = Array.from({ length: 600 }, (_, i) => ({ id: i, a: i % 5, s: `row ${i}`, f: i * 0.5 }));
    const ma = await fx.fresh(COLUMNS, ['id'], rows);
    // One update in the middle and one append at the end: a change chunk over the same base.
    const changed = [...rows.map((r) => (r.id === 300 ? { ...r, s: 'row 300 fixed' } : r)), { id: 600, a: 1, s: 'new', f: 1 }];
    const mb = await fx.stage(ma, COLUMNS, changed);
    expect(mb.deltas.length).toBe(1);
    const td = await fx.compare(fx.side(ma), fx.side(mb));
    const plan = await td.plan();
    expect(plan.kind).toBe('pruned');
    expect(plan.chunksRead).toBeLessThanOrEqual(3);
    expect(plan.chunksTotal).toBeGreaterThan(20);
    expect(await collect(td)).toEqual([
      {
        op: 'modified',
        key: { id: 300 },
        before: { id: 300, a: 0, s: 'row 300', f: 150 },
        after: { id: 300, a: 0, s: 'row 300 fixed', f: 150 },
        changed: ['s'],
      },
      { op: 'added', key: { id: 600 }, before: null, after: { id: 600, a: 1, s: 'new', f: 1 }, changed: [] },
    ]);
    // The chunks the plan does not name are never opened: remove them and the answer stays.
    const needed = new Set([...mb.deltas.map((d) => d.id)]);
    for (const c of ma.chunks) if ((c.min[0] as number) <= 300 && (c.max[0] as number) >= 300) needed.add(c.id);
    for (const f of await fsp.readdir(fx.store.dir)) if (!needed.has(f.replace('.parquet', ''))) await fsp.rm(`${fx.store.dir}/${f}`);
    expect(await (await fx.compare(fx.side(ma), fx.side(mb))).stats()).toEqual({ added: 1, removed: 0, modified: 1 });
  });

  it('diff: nearby snapshots are counted from their change chunks; a row changed and changed back is no change', async () => {
    await using fx = await chunkFixture();
    const r0 = Array.from({ length: 300 }, (_, i) => ({ id: i, a: i % 4, s: `r${i}`, f: i }));
    const set = (rows: Row[], id: number, patch: Row) => rows.map((r) => (r.id === id ? { ...r, ...patch } : r));
    const r1 = set(set(r0, 1, { a: 9 }), 2, { s: 'two' });
    const r2 = [...set(set(r1, 1, { a: 1 }), 3, { f: -3 }).filter((r) => r.id !== 4), { id: 500, a: 0, s: 'new', f: 0 }];
    const r3 = set(r2, 2, { s: 'r2' });
    const m0 = await fx.fresh(COLUMNS, ['id'], r0);
    const m1 = await fx.stage(m0, COLUMNS, r1);
    const m2 = await fx.stage(m1, COLUMNS, r2);
    const m3 = await fx.stage(m2, COLUMNS, r3);
    expect(m3.deltas.length).toBe(3);
    expect(m3.chunks).toEqual(m0.chunks);
    const full = async (x: typeof m0, y: typeof m0) => (await fx.compare(fx.plainSide(x), fx.plainSide(y))).stats();
    for (const [x, y] of [
      [m0, m2],
      [m0, m3],
      [m1, m3],
      [m3, m0],
      [m2, m1],
      [m1, m2],
    ]) {
      expect(await (await fx.compare(fx.side(x), fx.side(y))).stats()).toEqual(await full(x, y));
    }
    // Row 1 went 1 → 9 → 1 and row 2 r2 → two → r2: from m0 to m3 only rows 3, 4 and 500 differ.
    expect(await (await fx.compare(fx.side(m0), fx.side(m3))).stats()).toEqual({ added: 1, removed: 1, modified: 1 });
    // One commit's own change chunk answers its stats: with every other chunk file gone.
    const want = await full(m1, m2);
    const keep = `${m2.deltas[1].id}.parquet`;
    for (const f of await fsp.readdir(fx.store.dir)) if (f !== keep) await fsp.rm(`${fx.store.dir}/${f}`);
    expect(await (await fx.compare(fx.side(m1), fx.side(m2))).stats()).toEqual(want);
  });

  it('diff: a rewrite of every row runs key range by key range, in key order, each range reading its own chunks', async () => {
    await using fx = await chunkFixture();
    const saved = rangeTuning.rows;
    rangeTuning.rows = 40;
    try {
      const rows = Array.from({ length: 400 }, (_, i) => ({ id: i * 3, a: i % 3, s: `v${i}`, f: 0 }));
      const ma = await fx.fresh(COLUMNS, ['id'], rows);
      const next = rows.filter((r) => r.id % 7 !== 0).map((r) => ({ ...r, f: r.id % 5 === 0 ? 1 : 2 }));
      const mb = await fx.fresh(COLUMNS, ['id'], [...next, { id: 1, a: 0, s: 'first', f: 0 }, { id: 5000, a: 0, s: 'last', f: 0 }]);
      const td = await fx.compare(fx.side(ma), fx.side(mb));
      expect((await td.plan()).kind).toBe('full');
      const got = await collect(td);
      const want = await collect(await fx.compare(fx.plainSide(ma), fx.plainSide(mb)));
      expect(got).toEqual(want);
      expect(got.length).toBeGreaterThan(380);
      expect(await td.stats()).toEqual(await (await fx.compare(fx.plainSide(ma), fx.plainSide(mb))).stats());
      const limited = await collect(await fx.compare(fx.side(ma), fx.side(mb)), { limit: 123 });
      expect(limited).toEqual(want.slice(0, 123));
    } finally {
      rangeTuning.rows = saved;
    }
  });

  it('diff: re-chunked tables compare only the chunks that differ, without change chunks', async () => {
    await using fx = await chunkFixture();
    const rows = Array.from({ length: 400 }, (_, i) => ({ id: i, a: i % 3, s: `v${i}`, f: 0 }));
    const ma = await fx.fresh(COLUMNS, ['id'], rows);
    const mb = await fx.fresh(
      COLUMNS,
      ['id'],
      rows.filter((r) => r.id !== 10).map((r) => (r.id === 390 ? { ...r, f: 1 } : r)),
    );
    const td = await fx.compare(fx.side(ma), fx.side(mb));
    const plan = await td.plan();
    expect(plan.kind).toBe('pruned');
    expect(plan.chunksRead).toBeLessThan(plan.chunksTotal / 4);
    expect((await collect(td)).map((r) => [r.op, r.key])).toEqual([
      ['removed', { id: 10 }],
      ['modified', { id: 390 }],
    ]);
  });

  it('diff: composite string keys with spaces and quotes prune by key range and match the full join', async () => {
    await using fx = await chunkFixture();
    const cols: Column[] = [
      { name: 'region name', type: 'VARCHAR' },
      { name: "o'id", type: 'BIGINT' },
      { name: 'v', type: 'VARCHAR' },
    ];
    const regions = ['EU west', "it's", '"quoted"', 'ü'];
    const rows = regions.flatMap((r) => Array.from({ length: 60 }, (_, i) => ({ 'region name': r, "o'id": i, v: `${r}/${i}` })));
    const ma = await fx.fresh(cols, ['region name', "o'id"], rows);
    const next = rows
      .map((r) => (r["o'id"] === 7 ? { ...r, v: 'changed' } : r))
      .filter((r) => !(r['region name'] === 'ü' && r["o'id"] === 3));
    const mb = await fx.stage(ma, cols, next);
    const td = await fx.compare(fx.side(ma), fx.side(mb));
    expect((await td.plan()).kind).toBe('pruned');
    const rowsOut = await collect(td);
    expect(rowsOut).toEqual(await collect(await fx.compare(fx.plainSide(ma), fx.plainSide(mb))));
    expect(rowsOut.map((r) => r.op)).toEqual(['modified', 'modified', 'modified', 'removed', 'modified']);
    expect(rowsOut[0].key).toEqual({ 'region name': '"quoted"', "o'id": 7 });
  });

  it('diff: --where and --columns restrict rows and compared cells before counting', async () => {
    await using fx = await chunkFixture();
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, a: i % 2, s: i < 25 ? 'EU' : 'US', f: i }));
    const ma = await fx.fresh(COLUMNS, ['id'], rows);
    const mb = await fx.stage(
      ma,
      COLUMNS,
      rows.map((r) => (r.id % 10 === 0 ? { ...r, a: 9 } : r.id % 10 === 1 ? { ...r, f: -1 } : r)),
    );
    const where = await fx.compare(fx.side(ma), fx.side(mb), { where: `s = 'EU'` });
    expect(await where.stats()).toEqual({ added: 0, removed: 0, modified: 6 });
    const onlyA = await fx.compare(fx.side(ma), fx.side(mb), { columns: ['a'] });
    expect(await onlyA.stats()).toEqual({ added: 0, removed: 0, modified: 5 });
    expect((await collect(onlyA))[0]).toEqual({
      op: 'modified',
      key: { id: 0 },
      before: { id: 0, a: 0 },
      after: { id: 0, a: 9 },
      changed: ['a'],
    });
    await expect(fx.compare(fx.side(ma), fx.side(mb), { where: 'nosuch > 1' })).rejects.toThrow(/--where does not fit/);
    await expect(fx.compare(fx.side(ma), fx.side(mb), { columns: ['zzz'] })).rejects.toThrow(/no column 'zzz'/);
  });

  it('diff: NULLs, NaN, near-equal floats and -0.0 compare by value', async () => {
    await using fx = await chunkFixture();
    const a = [
      { id: 1, a: null, s: null, f: Number.NaN },
      { id: 2, a: 1, s: 'x', f: 0.3 },
      { id: 3, a: null, s: '', f: 0 },
      { id: 4, a: 2, s: 'NULL', f: 1e300 },
    ];
    const b = [
      { id: 1, a: null, s: null, f: Number.NaN },
      { id: 2, a: 1, s: 'x', f: 0.30000000000000004 },
      { id: 3, a: 5, s: null, f: -0 },
      { id: 4, a: 2, s: null, f: 1e300 },
    ];
    const ma = await fx.fresh(COLUMNS, ['id'], a);
    const mb = await fx.fresh(COLUMNS, ['id'], b);
    const rows = await collect(await fx.compare(fx.side(ma), fx.side(mb)));
    expect(rows.map((r) => [r.key!.id, r.changed])).toEqual([
      [2, ['f']],
      [3, ['a', 's']],
      [4, ['s']],
    ]);
    expect(rows[0].after!.f).toBe(0.30000000000000004);
  });

  it('diff: a new column counts only where it is not NULL; a dropped one only where it was not', async () => {
    await using fx = await chunkFixture();
    const before: Column[] = [
      { name: 'id', type: 'INTEGER' },
      { name: 'old', type: 'VARCHAR' },
      { name: 'n', type: 'INTEGER' },
    ];
    const after: Column[] = [
      { name: 'id', type: 'INTEGER' },
      { name: 'n', type: 'BIGINT' },
      { name: 'new', type: 'DOUBLE' },
    ];
    const ma = await fx.fresh(
      before,
      ['id'],
      [
        { id: 1, old: null, n: 1 },
        { id: 2, old: 'x', n: 2 },
        { id: 3, old: null, n: 3 },
      ],
    );
    const mb = await fx.fresh(
      after,
      ['id'],
      [
        { id: 1, n: 1, new: null },
        { id: 2, n: 2, new: null },
        { id: 3, n: 3, new: 1.5 },
      ],
    );
    const td = await fx.compare(fx.side(ma), fx.side(mb));
    expect(td.schema).toEqual({
      added: [{ name: 'new', type: 'DOUBLE' }],
      removed: [{ name: 'old', type: 'VARCHAR' }],
      changed: [{ name: 'n', from: 'INTEGER', to: 'BIGINT' }],
    });
    const rows = await collect(td);
    expect(rows.map((r) => [r.key!.id, r.changed])).toEqual([
      [2, ['old']],
      [3, ['new']],
    ]);
    expect(rows[1]).toMatchObject({ before: { id: 3, old: null, n: 3 }, after: { id: 3, n: 3, new: 1.5 } });
    await fx.engine.run(`CREATE OR REPLACE TABLE "t" AS ${fx.snapshot(ma).sql()}`);
    await fx.engine.run(await sqlPatch(td));
    expect(await fx.engine.all(`SELECT * FROM "t" ORDER BY ${quoteIdent('id')}`)).toEqual(
      await fx.rowsOf(mb).then((r) => r.map((x) => ({ id: x.id, n: x.n, new: x.new }))),
    );
  });
});
