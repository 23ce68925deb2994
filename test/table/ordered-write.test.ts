import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { chunkFresh, stageRows } from '../../src/table/changes.js';
import { DEFAULT_CHUNKING } from '../../src/table/chunker.js';
import { writeFile } from '../../src/table/files.js';
import { CHUNK_SCHEME, type Manifest } from '../../src/table/manifest.js';
import { planPieces, writeSnapshot } from '../../src/table/ordered-write.js';
import type { Column } from '../../src/table/schema.js';
import { TableSnapshot } from '../../src/table/snapshot.js';
import { useTempChunkStore } from '../setup/chunk-store.js';

// The piecewise writer against the oracle it replaces (one ORDER BY over the whole snapshot), on a
// real DuckDB with its default two threads and a small chunking scheme so that a few hundred rows
// make many chunks.
const SMALL = { scheme: CHUNK_SCHEME, target: 64, min: 16, max: 256 };
const FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'] as const;
const source = { file: 't.csv', format: 'csv' as const };

const tmp = useTempChunkStore('ordered');
let seq = 0;

/** A key shape: its columns, and a generator of one key as SQL literals. */
interface KeyKind {
  columns: Column[];
  arb: fc.Arbitrary<string[]>;
}
const text = fc.string({ unit: fc.constantFrom('a', 'B', 'z', ' ', ',', '"', '\n', 'é', '日', '0', '~'), maxLength: 6 });
const KINDS: Record<string, KeyKind> = {
  int: { columns: [{ name: 'id', type: 'BIGINT' }], arb: fc.integer({ min: -5000, max: 5000 }).map((n) => [`${n}::BIGINT`]) },
  text: { columns: [{ name: 'id', type: 'VARCHAR' }], arb: text.map((s) => [`${quoteLiteral(s)}::VARCHAR`]) },
  pair: {
    columns: [
      { name: 'g', type: 'VARCHAR' },
      { name: 'day', type: 'DATE' },
    ],
    arb: fc
      .tuple(fc.constantFrom('a', 'B', 'ä', 'b'), fc.integer({ min: -400, max: 400 }))
      .map(([g, d]) => [`${quoteLiteral(g)}::VARCHAR`, `(DATE '2000-01-01' + ${d})`]),
  },
};
const arbValue = fc
  .tuple(fc.option(fc.integer({ min: -99, max: 99 })), fc.option(text))
  .map(([v, s]) => [v === null ? 'NULL::BIGINT' : `${v}::BIGINT`, s === null ? 'NULL::VARCHAR' : `${quoteLiteral(s)}::VARCHAR`]);

/** A table of literal rows; `names` in column order. */
async function tableOf(columns: readonly Column[], rows: readonly string[][]): Promise<string> {
  const name = `ow_${++seq}`;
  const select = columns.map((c, i) => `CAST(col${i} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ');
  const body = rows.length
    ? `SELECT ${select} FROM (VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}) t(${columns.map((_, i) => `col${i}`).join(', ')})`
    : `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ')} WHERE false`;
  await tmp.engine.run(`CREATE TABLE ${quoteIdent(name)} AS ${body}`);
  return name;
}

async function stage(work: string, columns: Column[], key: string[] | null, prev?: Manifest, chunking = SMALL): Promise<Manifest> {
  try {
    return prev
      ? await stageRows(tmp.engine, tmp.store, { work, columns, key, source, prev, chunking })
      : await chunkFresh(tmp.engine, tmp.store, { work, columns, key, source, chunking });
  } finally {
    await tmp.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(work)}`);
  }
}

/** Both writers, every format: the bytes must be equal. */
async function expectSameBytes(m: Manifest, maxPieces?: number): Promise<void> {
  const snap = new TableSnapshot(m, tmp.store);
  for (const format of FORMATS) {
    const [oracle, piecewise] = [path.join(tmp.dir, `oracle.${format}`), path.join(tmp.dir, `new.${format}`)];
    await writeFile(tmp.engine, snap.orderedSql(), oracle, format, { columns: m.columns });
    await writeSnapshot(tmp.engine, snap, piecewise, format, { maxPieces });
    const [a, b] = [await fsp.readFile(oracle), await fsp.readFile(piecewise)];
    expect(b.equals(a), `${format}: ${m.chunks.length} chunks, ${m.deltas.length} deltas, maxPieces ${maxPieces}`).toBe(true);
  }
}

const arbEdit = fc.record({
  inserts: fc.array(fc.tuple(fc.nat(), arbValue), { maxLength: 10 }),
  updates: fc.array(fc.tuple(fc.nat(), arbValue), { maxLength: 8 }),
  deletes: fc.array(fc.nat(), { maxLength: 5 }),
});

/** Cases of the random-snapshot property, from a fixed seed so a failure replays. */
const RUNS = 16;
const SEED = 20261206;

describe('writeSnapshot', () => {
  it('writes the same bytes as the ORDER BY writer, for random snapshots with random change chunks', async () => {
    let layered = 0;
    const arb = fc.constantFrom(...Object.keys(KINDS)).chain((kind) =>
      fc.record({
        kind: fc.constant(kind),
        start: fc.uniqueArray(KINDS[kind].arb, { maxLength: 700, size: 'max', selector: (k) => k.join() }),
        fresh: fc.array(KINDS[kind].arb, { maxLength: 60 }),
        edits: fc.array(arbEdit, { minLength: 1, maxLength: 4 }),
        clash: fc.boolean(),
        maxPieces: fc.constantFrom(1, 2, 3, 64),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ kind, start, fresh, edits, clash, maxPieces }) => {
        // A value column named like a read_parquet virtual column takes the other path to the chunks' first keys.
        const columns = [...KINDS[kind].columns, { name: clash ? 'file_index' : 'v', type: 'BIGINT' }, { name: 's', type: 'VARCHAR' }];
        const key = KINDS[kind].columns.map((c) => c.name);
        const model = new Map(start.map((k, i) => [k.join(), [...k, `${i % 7}::BIGINT`, `'r${i}'::VARCHAR`]]));
        let m = await stage(await tableOf(columns, [...model.values()]), columns, key);
        for (const e of edits) {
          const present = [...model.keys()];
          for (const [i, value] of e.updates)
            if (present.length)
              model.set(present[i % present.length], [...model.get(present[i % present.length])!.slice(0, key.length), ...value]);
          for (const i of e.deletes) if (present.length) model.delete(present[i % present.length]);
          for (const [i, value] of e.inserts)
            if (fresh.length && !model.has(fresh[i % fresh.length].join()))
              model.set(fresh[i % fresh.length].join(), [...fresh[i % fresh.length], ...value]);
          m = await stage(await tableOf(columns, [...model.values()]), columns, key, m);
        }
        if (m.deltas.length) layered++;
        await expectSameBytes(m, maxPieces);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`ordered-write property: ${RUNS} cases (seed ${SEED}), ${layered} with change chunks`);
    expect(layered).toBeGreaterThan(RUNS / 4);
  }, 300_000);

  it('writes keyless tables, duplicates included, as the ORDER BY writer does', async () => {
    const columns: Column[] = [
      { name: 'a', type: 'BIGINT' },
      { name: 's', type: 'VARCHAR' },
    ];
    const arbRow = fc
      .tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.constantFrom('x', 'y', 'é', '')))
      .map(([a, s]) => [`${a}::BIGINT`, s === null ? 'NULL::VARCHAR' : `${quoteLiteral(s)}::VARCHAR`]);
    await fc.assert(
      fc.asyncProperty(fc.array(arbRow, { maxLength: 900, size: 'max' }), async (rows) => {
        await expectSameBytes(await stage(await tableOf(columns, rows), columns, null));
      }),
      { numRuns: 10 },
    );
  }, 120_000);

  it('keeps order across chunks of several row groups, with change rows in many of them', async () => {
    // Default chunking: chunks of up to 262,144 rows, four 65,536-row groups each.
    const columns: Column[] = [
      { name: 'id', type: 'BIGINT' },
      { name: 'v', type: 'BIGINT' },
      { name: 's', type: 'VARCHAR' },
    ];
    const work = `big_${++seq}`;
    const make = (name: string, where = 'true', bump = '0') =>
      tmp.engine.run(`CREATE TABLE ${quoteIdent(name)} AS
      SELECT i * 2 AS id, i % 1000 + ${bump} AS v, 'row ' || i AS s FROM range(600000) t(i) WHERE ${where}`);
    await make(work);
    let m = await stage(work, columns, ['id'], undefined, DEFAULT_CHUNKING);
    const next = `big_${++seq}`;
    await make(next, 'i % 9973 <> 5', 'CASE WHEN i % 7919 = 3 THEN 1 ELSE 0 END');
    await tmp.engine.run(`INSERT INTO ${quoteIdent(next)} SELECT i * 2 + 1, 7, 'new' FROM range(0, 600000, 50021) t(i)`);
    m = await stage(next, columns, ['id'], m, DEFAULT_CHUNKING);
    expect(m.deltas.length).toBe(1);
    expect(m.chunks.length).toBeGreaterThan(2);
    await expectSameBytes(m);
  }, 120_000);
});

describe('planPieces', () => {
  it('covers every chunk once, in order, within the limit when it can', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.integer({ min: 1, max: 10 }),
        (rows, hits, max) => {
          const touched = new Set(hits.map((h) => h % Math.max(rows.length, 1)));
          const pieces = planPieces(rows, touched, max);
          if (rows.length === 0) {
            expect(pieces).toEqual([{ from: 0, to: 0, sort: true }]);
            return;
          }
          expect(pieces[0].from).toBe(0);
          expect(pieces[pieces.length - 1].to).toBe(rows.length);
          pieces.forEach((p, i) => {
            if (i > 0) expect(p.from).toBe(pieces[i - 1].to);
          });
          for (const t of touched) expect(pieces.find((p) => p.from <= t && t < p.to)!.sort).toBe(true);
          expect(pieces.length).toBeLessThanOrEqual(Math.max(max, 3));
        },
      ),
    );
  });
});
