import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { chunkFresh, compact, stageRows } from '../../src/table/changes.js';
import { DEFAULT_CHUNKING } from '../../src/table/chunker.js';
import { CHUNK_SCHEME, type Manifest } from '../../src/table/manifest.js';
import { schemaSignature, type Column } from '../../src/table/schema.js';
import { chunkDigest } from '../../src/table/chunkid.js';
import { loadFile, writeFile } from '../../src/table/files.js';
import { TableSnapshot } from '../../src/table/snapshot.js';
import { useTempChunkStore } from '../setup/chunk-store.js';

// The table layer in-process, on a real DuckDB, with a small chunking scheme so that a few
// thousand rows make many chunks.
const SMALL = { scheme: CHUNK_SCHEME, target: 64, min: 16, max: 256 };
const KEYED: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'v', type: 'BIGINT' },
  { name: 's', type: 'VARCHAR' },
];
const source = { file: 't.csv', format: 'csv' as const };

const tmp = useTempChunkStore('chunking');
let seq = 0;
let sawDeltas = false;

/** A work table holding rows (id, v) in the given order, with s derived from both. */
async function keyedTable(rows: readonly (readonly [number, number])[]): Promise<string> {
  const name = `t_${++seq}`;
  await tmp.engine.run(`CREATE TABLE ${quoteIdent(name)} AS SELECT id::BIGINT AS id, v::BIGINT AS v, 'row ' || id || ':' || v AS s
    FROM (SELECT unnest([${rows.map((r) => r[0]).join(',')}]::BIGINT[]) AS id, unnest([${rows.map((r) => r[1]).join(',')}]::BIGINT[]) AS v)`);
  return name;
}

const fresh = async (work: string, columns = KEYED, key: string[] | null = ['id'], chunking = SMALL): Promise<Manifest> => {
  try {
    return await chunkFresh(tmp.engine, tmp.store, { work, columns, key, source, chunking });
  } finally {
    await tmp.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(work)}`);
  }
};
const ids = (m: Manifest) => m.chunks.map((c) => c.id);

// size 'max': fast-check's default sizes make arrays of a few dozen elements, which would fit in one chunk.
const arbKeys = fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 0, maxLength: 2500, size: 'max' });
const arbManyKeys = fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 300, maxLength: 2500, size: 'max' });

describe('chunking', () => {
  it('chunking: any row order gives the same chunk ids', async () => {
    await fc.assert(
      fc.asyncProperty(arbKeys, fc.integer(), async (keys, seed) => {
        const rows = keys.map((k) => [k, (k * 31 + 7) % 1000] as const);
        const shuffled = [...rows].sort((a, b) => ((a[0] * 2654435761 + seed) % 1000) - ((b[0] * 2654435761 + seed) % 1000));
        const [a, b] = [await fresh(await keyedTable(rows)), await fresh(await keyedTable(shuffled))];
        expect(ids(b)).toEqual(ids(a));
        expect(a.rows).toBe(keys.length);
        if (keys.length > 1000) expect(a.chunks.length).toBeGreaterThan(3);
      }),
      { numRuns: 15 },
    );
  });

  it('chunking: keyless rows in any order give the same ids, with duplicates and equal values of different text', async () => {
    // INTERVAL '1 day' = '24 hours' and -0.0 = 0.0 compare equal but print differently.
    const arbRow = fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom("'0.0'", "'-0.0'", "'1.5'", 'NULL', "'nan'"),
      fc.constantFrom("'1 day'", "'24 hours'", "'2 days'", 'NULL'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arbRow, { maxLength: 400, size: 'max' }), async (rows) => {
        const table = async (order: typeof rows) => {
          const name = `k_${++seq}`;
          const values = order.length
            ? `VALUES ${order.map(([a, x, i]) => `(${a}, ${x}::DOUBLE, ${i}::INTERVAL)`).join(', ')}`
            : "SELECT 1, 1.0, INTERVAL '1 day' WHERE false";
          await tmp.engine.run(
            `CREATE TABLE ${quoteIdent(name)} AS SELECT col0::BIGINT AS a, col1::DOUBLE AS x, col2::INTERVAL AS i FROM (${values}) t(col0, col1, col2)`,
          );
          return name;
        };
        const columns = [
          { name: 'a', type: 'BIGINT' },
          { name: 'x', type: 'DOUBLE' },
          { name: 'i', type: 'INTERVAL' },
        ];
        const a = await fresh(await table(rows), columns, null);
        const b = await fresh(await table([...rows].reverse()), columns, null);
        expect(ids(b)).toEqual(ids(a));
        expect(a.rows).toBe(rows.length);
      }),
      { numRuns: 40 },
    );
  });

  // Not a guarantee in every case: when a run without a major boundary was cut at max rows, an insert
  // moves that cut and the major cut after it may re-synchronise one chunk later (3 chunks). Simulated
  // at these ratios, 0.2% of single-row inserts do so, hence a fixed seed rather than a flaky property.
  // 10 cases (CHUNK_INSERT_RUNS to run more): boundaries hashed with the row's position fail at the first.
  it('chunking: one inserted row changes at most 2 base chunks', async () => {
    await fc.assert(
      fc.asyncProperty(arbManyKeys, fc.integer({ min: 0, max: 1_000_000 }), async (keys, extra) => {
        fc.pre(!keys.includes(extra));
        const rows = keys.map((k) => [k, k % 97] as const);
        const before = await fresh(await keyedTable(rows));
        const after = await fresh(await keyedTable([...rows, [extra, 1]]));
        const old = new Set(ids(before));
        const changed = ids(after).filter((id) => !old.has(id)).length;
        expect(changed, `rows per chunk ${before.chunks.map((c) => c.rows)} -> ${after.chunks.map((c) => c.rows)}`).toBeLessThanOrEqual(2);
        expect(before.chunks.length).toBeGreaterThan(1);
      }),
      { numRuns: Number(process.env.CHUNK_INSERT_RUNS ?? 10), seed: 424242, endOnFailure: true },
    );
  });

  it('chunking: one inserted row changes at most 2 base chunks of a 100k-row table (default scheme)', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [i * 2, i % 1000] as const);
    const before = await fresh(await keyedTable(rows), KEYED, ['id'], DEFAULT_CHUNKING);
    const after = await fresh(await keyedTable([...rows, [100_001, 5]]), KEYED, ['id'], DEFAULT_CHUNKING);
    const old = new Set(ids(before));
    expect(ids(after).filter((id) => !old.has(id)).length).toBeLessThanOrEqual(2);
    expect(after.rows).toBe(100_001);
  }, 120_000);

  // Seeded, 6 cases (CHUNK_COMPACT_SEED, CHUNK_COMPACT_RUNS to explore): change chunks folded oldest-first,
  // or a compaction cut on another scheme, fail at the first (docs/benchmarks.md, suite6).
  it('chunking: compacting after random edits gives exactly the chunks of a fresh add of the same rows', async () => {
    const arbEdit = fc.record({
      inserts: fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 12 }),
      updates: fc.array(fc.nat(), { maxLength: 8 }),
      deletes: fc.array(fc.nat(), { maxLength: 8 }),
      value: fc.integer({ min: 0, max: 999 }),
    });
    const arbStart = fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 1200, size: 'max' });
    await fc.assert(
      fc.asyncProperty(arbStart, fc.array(arbEdit, { minLength: 1, maxLength: 14 }), async (start, edits) => {
        const model = new Map(start.map((k) => [k, k % 10]));
        let layered = false;
        let m = await fresh(await keyedTable([...model]));
        for (const e of edits) {
          const present = [...model.keys()];
          for (const i of e.updates) if (present.length) model.set(present[i % present.length], e.value);
          for (const i of e.deletes) if (present.length) model.delete(present[i % present.length]);
          for (const k of e.inserts) if (!model.has(k)) model.set(k, e.value);
          const work = await keyedTable([...model]);
          try {
            m = await stageRows(tmp.engine, tmp.store, { work, columns: KEYED, key: ['id'], source, prev: m, chunking: SMALL });
            layered ||= m.deltas.length > 0;
          } finally {
            await tmp.engine.run(`DROP TABLE ${quoteIdent(work)}`);
          }
        }
        const expected = await fresh(await keyedTable([...model]));
        const rows = await tmp.engine.all(`SELECT id, v FROM (${new TableSnapshot(m, tmp.store).sql()}) ORDER BY id`);
        expect(rows.map((r) => [r.id, r.v])).toEqual([...model].sort((a, b) => a[0] - b[0]));
        expect(m.rows).toBe(model.size);
        sawDeltas ||= layered;
        const compacted = await compact(tmp.engine, tmp.store, m);
        expect(compacted.deltas).toEqual([]);
        expect(ids(compacted)).toEqual(ids(expected));
      }),
      { numRuns: Number(process.env.CHUNK_COMPACT_RUNS ?? 6), seed: Number(process.env.CHUNK_COMPACT_SEED ?? 20261206) },
    );
    expect(sawDeltas).toBe(true);
  });

  it('snapshot: rowsForKeys gives exactly the rows of those keys, reading only the chunks that can hold them', async () => {
    const arbCase = fc.record({
      start: fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { minLength: 300, maxLength: 1200, size: 'max' }),
      inserts: fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 20 }),
      deletes: fc.array(fc.nat(), { maxLength: 10 }),
      wanted: fc.uniqueArray(fc.integer({ min: -10, max: 5010 }), { minLength: 1, maxLength: 6 }),
    });
    let pruned = false;
    await fc.assert(
      fc.asyncProperty(arbCase, async ({ start, inserts, deletes, wanted }) => {
        const model = new Map(start.map((k) => [k, k % 10]));
        const first = await fresh(await keyedTable([...model]));
        const present = [...model.keys()];
        for (const i of deletes) model.delete(present[i % present.length]);
        for (const k of inserts) model.set(k, 7);
        const work = await keyedTable([...model]);
        let m: Manifest;
        try {
          m = await stageRows(tmp.engine, tmp.store, { work, columns: KEYED, key: ['id'], source, prev: first, chunking: SMALL });
        } finally {
          await tmp.engine.run(`DROP TABLE ${quoteIdent(work)}`);
        }
        const keys = `SELECT unnest([${wanted.join(',')}]::BIGINT[]) AS id`;
        const sql = await new TableSnapshot(m, tmp.store).rowsForKeys(tmp.engine, keys);
        const rows = await tmp.engine.all(`SELECT id, v FROM (${sql}) ORDER BY id`);
        expect(rows.map((r) => [r.id, r.v])).toEqual([...model].filter(([k]) => wanted.includes(k)).sort((a, b) => a[0] - b[0]));
        pruned ||= m.chunks.filter((c) => sql.includes(tmp.store.pathOf(c.id))).length < m.chunks.length;
      }),
      { numRuns: 15 },
    );
    expect(pruned).toBe(true);
  });

  it('chunking: a round trip through CSV, TSV, Parquet and JSON Lines keeps the chunk ids', async () => {
    const lit = (v: string | null, type: string) => (v === null ? `NULL::${type}` : `${quoteLiteral(v)}::${type}`);
    const arbRow = fc.record({
      // Zeros of both signs often, beside any double: a Parquet dictionary once stored them as one.
      amount: fc.option(
        fc
          .oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0))
          .map((x) => (Object.is(x, -0) ? '-0.0' : String(x))),
      ),
      label: fc.option(
        fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', "'", '\n', '\t', 'é', '日', '✓', '\\', 'NULL', '0'), maxLength: 12 }),
      ),
      big: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)),
      flag: fc.option(fc.boolean().map(String)),
      day: fc.option(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      ),
      at: fc.option(
        fc
          .date({ min: new Date('1970-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().replace('T', ' ').replace('Z', '')),
      ),
    });
    const columns: Column[] = [
      { name: 'id', type: 'BIGINT' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'label', type: 'VARCHAR' },
      { name: 'big', type: 'BIGINT' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'day', type: 'DATE' },
      { name: 'at', type: 'TIMESTAMP' },
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(arbRow, { minLength: 1, maxLength: 60, size: 'max' }), async (rows) => {
        const name = `rt_${++seq}`;
        const values = rows.map(
          (r, i) =>
            `(${i}, ${lit(r.amount, 'DOUBLE')}, ${lit(r.label, 'VARCHAR')}, ${lit(r.big, 'BIGINT')}, ${lit(r.flag, 'BOOLEAN')}, ${lit(r.day, 'DATE')}, ${lit(r.at, 'TIMESTAMP')})`,
        );
        await tmp.engine.run(
          `CREATE TABLE ${quoteIdent(name)} AS SELECT col0::BIGINT AS id, col1 AS amount, col2 AS label, col3 AS big, col4 AS flag, col5 AS day, col6 AS at FROM (VALUES ${values.join(', ')})`,
        );
        const m = await fresh(name, columns);
        // The chunk files hold the rows their ids were computed from (a Parquet dictionary once merged -0.0 into 0.0).
        for (const c of m.chunks) expect(await chunkDigest(tmp.engine, tmp.store.pathOf(c.id), schemaSignature(columns))).toBe(c.id);
        for (const format of ['csv', 'tsv', 'parquet', 'jsonl'] as const) {
          const file = path.join(tmp.dir, `rt.${format}`);
          await writeFile(tmp.engine, new TableSnapshot(m, tmp.store).orderedSql(), file, format, { columns: m.columns });
          const work = `rt_back_${++seq}`;
          const loaded = await loadFile(tmp.engine, file, `rt.${format}`, format, quoteIdent(work), m.columns);
          expect(loaded, format).toEqual(columns);
          const back = await fresh(work, columns);
          expect(ids(back), format).toEqual(ids(m));
        }
      }),
      { numRuns: 15, seed: Number(process.env.CHUNK_ROUNDTRIP_SEED ?? 20261206) },
    );
  });
});
