import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { writeChunks } from '../../src/table/chunker.js';
import { chunkDigest } from '../../src/table/chunkid.js';
import { CHUNK_SCHEME } from '../../src/table/manifest.js';
import { schemaSignature, type Column } from '../../src/table/schema.js';

// A fetched chunk's id is recomputed from its file (src/table/chunkid.ts): row md5s written by
// DuckDB's COPY in file order, sha256 in Node. Oracle: the id the writer gave the chunk, and the
// formula of docs/format.md ("Chunk ids") as one plain DuckDB query over the chunk's rows. Columns
// named like read_parquet's virtual columns must not disturb the row order (the digest before this
// one read a `file_row_number` table without casting it back: its HUGEINT 0 hashed as `0.0`).

const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'file_row_number', type: 'BIGINT' },
  { name: 'file_index', type: 'VARCHAR' },
  { name: 'filename', type: 'VARCHAR' },
  { name: 'big', type: 'HUGEINT' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'odd "name", é', type: 'VARCHAR' },
];
const SMALL = { scheme: CHUNK_SCHEME, target: 8, min: 2, max: 32 };

const text = fc.option(fc.oneof(fc.string(), fc.constantFrom('', 'NULL', 'a "q" \\', 'line\nbreak\r\n', 'ü 🙂')), { nil: null });
const row = fc.record({
  frn: fc.option(fc.integer(), { nil: null }),
  fi: text,
  fname: text,
  // Parquet keeps HUGEINT as DOUBLE: past 2^53 the chunk file itself holds another value (a writer's
  // limit, reported apart); within it, the value read back must hash as the manifest's HUGEINT.
  big: fc.option(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), { nil: null }),
  ts: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { nil: null }),
  odd: text,
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;
const lit = (v: string | null) => (v === null ? 'NULL' : quoteLiteral(v));
const valuesSql = (id: number, r: Row) =>
  `(${id}, ${r.frn ?? 'NULL'}, ${lit(r.fi)}, ${lit(r.fname)}, ${r.big === null ? 'NULL' : `${r.big}::HUGEINT`}, ${
    r.ts === null ? 'NULL' : `TIMESTAMP '2000-01-01' + INTERVAL (${r.ts}) MICROSECOND`
  }, ${lit(r.odd)})`;

/** docs/format.md's formula over the rows of `lg_work` with ids in [lo, hi], in identity order. */
const oracleId = (engine: Engine, lo: number, hi: number) =>
  engine.value<string>(
    `SELECT sha256($1 || string_agg(md5(json_array(${COLUMNS.map((c) => quoteIdent(c.name)).join(', ')})::VARCHAR), '' ORDER BY id))
     FROM lg_work WHERE id BETWEEN ${lo} AND ${hi}`,
    [schemaSignature(COLUMNS)],
  );

afterAll(() => Engine.get().then((e) => e.close()));

describe('chunkDigest (property)', () => {
  it('gives every chunk the writer wrote its id, which is the documented formula; rows out of order give another', async () => {
    const engine = await Engine.get();
    const sig = schemaSignature(COLUMNS);
    const cases = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 400 }), row), { selector: ([id]) => id, minLength: 2, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(cases, async (rows) => {
        const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-chunkid-'));
        try {
          const store = new ChunkStore(base);
          const defs = COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
          await engine.run(`CREATE OR REPLACE TABLE lg_src (${defs})`);
          await engine.run(`INSERT INTO lg_src VALUES ${rows.map(([id, r]) => valuesSql(id, r)).join(', ')}`);
          await engine.run('CREATE OR REPLACE TABLE lg_work AS SELECT * FROM lg_src ORDER BY id');
          const chunks = await writeChunks(engine, store, 'lg_work', COLUMNS, ['id'], SMALL);
          for (const c of chunks) {
            expect(await chunkDigest(engine, store.pathOf(c.id), sig)).toBe(c.id);
            expect(await oracleId(engine, Number(c.min![0]), Number(c.max![0]))).toBe(c.id);
          }
          // The same rows in another order are another chunk.
          const c = chunks.find((x) => x.rows > 1);
          if (c) {
            const swapped = path.join(base, 'swapped.parquet');
            await engine.run(
              `COPY (SELECT * FROM read_parquet(${pathList([store.pathOf(c.id)])}) ORDER BY id DESC) TO ${quoteLiteral(swapped)} (FORMAT parquet)`,
            );
            expect(await chunkDigest(engine, swapped, sig)).not.toBe(c.id);
          }
          // Nothing but the chunks is left beside them (the md5 scratch file is gone).
          expect((await fsp.readdir(base)).filter((f) => !/^[0-9a-f]{64}\.parquet$/.test(f) && f !== 'swapped.parquet')).toEqual([]);
        } finally {
          await fsp.rm(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 20, seed: 20261206 },
    );
  }, 120_000);

  it('hashes an empty chunk as the schema signature alone', async () => {
    const engine = await Engine.get();
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-chunkid-'));
    try {
      const file = path.join(base, 'empty.parquet');
      await engine.run(`COPY (SELECT 1::BIGINT AS id WHERE false) TO ${quoteLiteral(file)} (FORMAT parquet)`);
      const sig = schemaSignature([{ name: 'id', type: 'BIGINT' }]);
      expect(await chunkDigest(engine, file, sig)).toBe(await engine.value<string>('SELECT sha256($1)', [sig]));
    } finally {
      await fsp.rm(base, { recursive: true, force: true });
    }
  });
});
