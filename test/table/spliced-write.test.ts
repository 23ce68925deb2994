import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { chunkFresh, stageRows } from '../../src/table/changes.js';
import { writeFile } from '../../src/table/files.js';
import { CHUNK_SCHEME, identityColumns, type Manifest } from '../../src/table/manifest.js';
import { writeSnapshot } from '../../src/table/ordered-write.js';
import { identityOrder } from '../../src/table/rowsql.js';
import type { Column } from '../../src/table/schema.js';
import { TableSnapshot } from '../../src/table/snapshot.js';
import { writeSplicedFile } from '../../src/table/spliced-write.js';
import { useTempChunkStore } from '../setup/chunk-store.js';

// The spliced writer (one copy of the base chunks, change rows' lines spliced in) against the
// oracle: one ORDER BY over the whole snapshot in the table's documented order (key order; keyless
// tables by value, text breaking ties), written by the same COPY. Random histories of base + change
// chunks over a small chunking scheme (a few hundred rows make many chunks), with NULLs, unicode,
// quotes and delimiters in values, odd and reserved-looking column names, composite keys and keyless
// tables, in every text format.
const SMALL = { scheme: CHUNK_SCHEME, target: 48, min: 12, max: 192 };

const tmp = useTempChunkStore('spliced');
let seq = 0;

const lit = (s: string | null, type: string) => (s === null ? `NULL::${type}` : `${quoteLiteral(s)}::${type}`);
/** `¶` becomes a newline in the histories drawn with `newlines` (a CSV value spanning lines: the spliced writer declines; JSON Lines escapes it). */
const MARK = '¶';
const text = fc.string({ unit: fc.constantFrom('a', 'B', 'z', ' ', ',', ';', '"', '\t', 'é', '日', '0', '~', '\\', MARK), maxLength: 6 });

interface KeyKind {
  types: string[];
  arb: fc.Arbitrary<string[]>;
}
const KINDS: Record<string, KeyKind> = {
  int: { types: ['BIGINT'], arb: fc.integer({ min: -3000, max: 3000 }).map((n) => [`${n}::BIGINT`]) },
  text: { types: ['VARCHAR'], arb: text.map((s) => [lit(s, 'VARCHAR')]) },
  pair: {
    types: ['VARCHAR', 'DATE'],
    arb: fc
      .tuple(fc.constantFrom('a', 'B', 'ä', 'b', '日本'), fc.integer({ min: -300, max: 300 }))
      .map(([g, d]) => [lit(g, 'VARCHAR'), `(DATE '2000-01-01' + ${d})`]),
  },
  triple: {
    types: ['INTEGER', 'VARCHAR', 'DOUBLE'],
    arb: fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom('x', 'y', 'Z'), fc.constantFrom(-1.5, 0, 0.25, 1e20, 3))
      .map(([a, b, c]) => [`${a}::INTEGER`, lit(b, 'VARCHAR'), `${c}::DOUBLE`]),
  },
};
/** Names for key and value columns: SQL keywords, lakegit-looking and read_parquet-looking names. */
const KEY_NAMES = ['id', 'k', 'select', 'filename', 'w', '名前', 'a b', 'q"x', '__op'];
const VALUE_NAMES = ['v', 'order', 'group', 'n', 'ü', 'rowid'];
/** A column named like a read_parquet virtual column sends the writer down the sorting path. */
const CLASHING = ['file_row_number', 'file_index'];

const arbValue = fc
  .tuple(fc.option(fc.integer({ min: -99, max: 99 })), fc.option(text), fc.option(fc.constantFrom(0.1, -2.5, 1e300, 123456789.125)))
  .map(([v, s, d]) => [v === null ? 'NULL::BIGINT' : `${v}::BIGINT`, lit(s, 'VARCHAR'), d === null ? 'NULL::DOUBLE' : `${d}::DOUBLE`]);

async function tableOf(columns: readonly Column[], rows: readonly string[][], newlines = false): Promise<string> {
  const name = `sw_${++seq}`;
  if (newlines) rows = rows.map((r) => r.map((v) => v.replaceAll(MARK, "' || chr(10) || '")));
  const select = columns.map((c, i) => `CAST(col${i} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ');
  const body = rows.length
    ? `SELECT ${select} FROM (VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')}) t(${columns.map((_, i) => `col${i}`).join(', ')})`
    : `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ')} WHERE false`;
  await tmp.engine.run(`CREATE TABLE ${quoteIdent(name)} AS ${body}`);
  return name;
}

async function stage(work: string, columns: Column[], key: string[] | null, prev?: Manifest): Promise<Manifest> {
  const source = { file: 't.csv', format: 'csv' as const };
  try {
    return prev
      ? await stageRows(tmp.engine, tmp.store, { work, columns, key, source, prev, chunking: SMALL })
      : await chunkFresh(tmp.engine, tmp.store, { work, columns, key, source, chunking: SMALL });
  } finally {
    await tmp.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(work)}`);
  }
}

const FORMATS = [
  { format: 'csv', delimiter: undefined, ext: 'csv' },
  { format: 'csv', delimiter: ';', ext: 'csv' },
  { format: 'tsv', delimiter: undefined, ext: 'tsv' },
  { format: 'jsonl', delimiter: undefined, ext: 'jsonl' },
] as const;

type Format = (typeof FORMATS)[number];

/**
 * The spliced writer and the oracle write the same bytes in each format: how many were spliced (the
 * others declined, as they should only for a read_parquet-like column name or a value spanning lines).
 * Keyless tables go through `writeSnapshot`, which copies their base chunks (they never have change chunks).
 */
async function expectOracleBytes(m: Manifest, formats: readonly Format[]): Promise<number> {
  const snap = new TableSnapshot(m, tmp.store);
  const order = identityOrder(identityColumns(m), m.key === null);
  let spliced = 0;
  for (const { format, delimiter, ext } of formats) {
    const [oracle, written] = ['oracle', 'written'].map((n) => path.join(tmp.dir, `${n}.${ext}`));
    await writeFile(tmp.engine, `SELECT * FROM (${snap.sql()}) ORDER BY ${order}`, oracle, format, { delimiter });
    const want = await fsp.readFile(oracle);
    const what = `${format}${delimiter ?? ''}: ${m.chunks.length} chunks, ${m.deltas.length} deltas, key ${JSON.stringify(m.key)}`;
    if (m.key === null) await writeSnapshot(tmp.engine, snap, written, format, { delimiter });
    else if (await writeSplicedFile(tmp.engine, snap, written, format, { delimiter })) spliced++;
    else continue;
    expect((await fsp.readFile(written)).equals(want), what).toBe(true);
  }
  return spliced;
}

const arbEdit = fc.record({
  inserts: fc.array(fc.tuple(fc.nat(), arbValue), { maxLength: 12 }),
  updates: fc.array(fc.tuple(fc.nat(), arbValue), { maxLength: 10 }),
  deletes: fc.array(fc.nat(), { maxLength: 6 }),
});

describe('writeSplicedFile', () => {
  it('writes what one ORDER BY over the snapshot writes, for random base + change histories', async () => {
    const seen = { spliced: 0, layered: 0, spliceable: 0 };
    const arb = fc.constantFrom(...Object.keys(KINDS)).chain((kind) =>
      fc.record({
        kind: fc.constant(kind),
        names: fc.shuffledSubarray(KEY_NAMES, { minLength: KINDS[kind].types.length, maxLength: KINDS[kind].types.length }),
        values: fc.shuffledSubarray(VALUE_NAMES, { minLength: 3, maxLength: 3 }),
        start: fc.uniqueArray(KINDS[kind].arb, { maxLength: 240, size: 'max', selector: (k) => k.join() }),
        fresh: fc.array(KINDS[kind].arb, { maxLength: 60 }),
        edits: fc.array(arbEdit, { minLength: 1, maxLength: 2 }),
        clash: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...CLASHING) }),
        formats: fc.shuffledSubarray([...FORMATS], { minLength: 2, maxLength: 2 }),
        newlines: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ kind, names, values, start, fresh, edits, clash, formats, newlines }) => {
        const key = clash ? [clash, ...names.slice(1)] : names;
        const columns: Column[] = [
          ...KINDS[kind].types.map((type, i) => ({ name: key[i], type })),
          ...['BIGINT', 'VARCHAR', 'DOUBLE'].map((type, i) => ({ name: values[i], type })),
        ];
        const model = new Map(start.map((k, i) => [k.join(), [...k, `${i % 7}::BIGINT`, lit(`r${i}`, 'VARCHAR'), 'NULL::DOUBLE']]));
        let m = await stage(await tableOf(columns, [...model.values()], newlines), columns, key);
        for (const e of edits) {
          const present = [...model.keys()];
          for (const [i, value] of e.updates)
            if (present.length) {
              const k = present[i % present.length];
              if (model.has(k)) model.set(k, [...model.get(k)!.slice(0, key.length), ...value]);
            }
          for (const i of e.deletes) if (present.length) model.delete(present[i % present.length]);
          for (const [i, value] of e.inserts) {
            const k = fresh.length ? fresh[i % fresh.length] : undefined;
            if (k && !model.has(k.join())) model.set(k.join(), [...k, ...value]);
          }
          m = await stage(await tableOf(columns, [...model.values()], newlines), columns, key, m);
        }
        if (m.deltas.length) seen.layered++;
        const spliced = await expectOracleBytes(m, formats);
        if (m.deltas.length && m.chunks.length && !clash && !newlines) seen.spliceable++;
        seen.spliced += spliced;
      }),
      { numRuns: 16, seed: 1206 },
    );
    // Most histories end with change chunks, and most of those take the spliced path.
    expect(seen.layered).toBeGreaterThan(8);
    expect(seen.spliced).toBeGreaterThanOrEqual(seen.spliceable * 2);
  }, 240_000);

  it('writes keyless tables (duplicates, NULLs) in value order, as the ORDER BY writer does', async () => {
    const columns: Column[] = [
      { name: 'select', type: 'BIGINT' },
      { name: 'filename', type: 'VARCHAR' },
      { name: 'w', type: 'DOUBLE' },
    ];
    const arbRow = fc
      .tuple(
        fc.option(fc.integer({ min: 0, max: 30 })),
        fc.option(fc.constantFrom('x', 'y', 'é', '', '"q"', 'a,b')),
        fc.option(fc.constantFrom(0.5, 2)),
      )
      .map(([a, s, d]) => [a === null ? 'NULL::BIGINT' : `${a}::BIGINT`, lit(s, 'VARCHAR'), d === null ? 'NULL::DOUBLE' : `${d}::DOUBLE`]);
    await fc.assert(
      fc.asyncProperty(fc.array(arbRow, { maxLength: 500, size: 'max' }), fc.array(arbRow, { maxLength: 40 }), async (rows, more) => {
        let m = await stage(await tableOf(columns, rows), columns, null);
        m = await stage(await tableOf(columns, [...rows.slice(5), ...more]), columns, null, m);
        expect(m.deltas).toEqual([]); // keyless tables are chunked afresh: the base is copied as it is
        await expectOracleBytes(m, FORMATS);
      }),
      { numRuns: 4, seed: 1206 },
    );
  }, 120_000);
});
