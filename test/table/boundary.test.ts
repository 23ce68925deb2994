import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteIdent } from '../../src/engine/quote.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { boundaryHashes } from '../../src/table/boundary.js';
import { planCuts, writeChunks } from '../../src/table/chunker.js';
import { chunkDigest } from '../../src/table/chunkid.js';
import { CHUNK_SCHEME, CHUNK_SCHEME_V1 } from '../../src/table/manifest.js';
import { schemaSignature, type Column } from '../../src/table/schema.js';

// The boundary hash (src/table/boundary.ts) against docs/format.md's formula computed in JS with
// BigInt, and scheme /1's md5 rule against plain DuckDB SQL; then the cuts and ids a writer gives
// under /1 (old repositories) and /2, both verified by chunkDigest.

afterAll(() => Engine.get().then((e) => e.close()));

const M32 = (1n << 32n) - 1n;
/** docs/format.md, "Where the cuts fall", scheme /2, for an integer key k. */
function documented(k: bigint): bigint {
  const lo = k & M32; // BigInt & on negatives is two's complement, as the format says
  const hi = (k >> 32n) & M32;
  let x = lo ^ ((hi * 0x9e3779b1n) & M32);
  x ^= x >> 16n;
  x = (x * 0x85ebca6bn) & M32;
  x ^= x >> 13n;
  x = (x * 0xc2b2ae35n) & M32;
  return x ^ (x >> 16n);
}

const TYPES: [string, bigint, bigint][] = [
  ['TINYINT', -128n, 127n],
  ['SMALLINT', -32768n, 32767n],
  ['INTEGER', -(2n ** 31n), 2n ** 31n - 1n],
  ['BIGINT', -(2n ** 63n), 2n ** 63n - 1n],
  ['UINTEGER', 0n, 2n ** 32n - 1n],
  ['UBIGINT', 0n, 2n ** 64n - 1n],
];

describe('boundary hash', () => {
  it('of an integer key is the documented formula for every integer type (property)', async () => {
    const engine = await Engine.get();
    const arb = fc
      .constantFrom(...TYPES)
      .chain(([type, min, max]) =>
        fc.tuple(
          fc.constant(type),
          fc.uniqueArray(fc.oneof(fc.bigInt({ min, max }), fc.constantFrom(min, max, 0n)), { minLength: 1, maxLength: 30 }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(arb, async ([type, keys]) => {
        const cols: Column[] = [{ name: 'select', type }];
        await engine.run(`CREATE OR REPLACE TABLE lg_keys (${quoteIdent('select')} ${type})`);
        await engine.run(`INSERT INTO lg_keys VALUES ${keys.map((k) => `(${k})`).join(', ')}`);
        const rel = boundaryHashes(CHUNK_SCHEME, ['select'], cols, 'rowid', 'lg_keys');
        const rows = await engine.all(`SELECT CAST(k.${quoteIdent('select')} AS VARCHAR) AS k, CAST(b.h AS VARCHAR) AS h
          FROM ${rel} b JOIN (SELECT rowid AS p, * FROM lg_keys) k ON b.p = k.p`);
        expect(rows.length).toBe(keys.length);
        for (const r of rows) expect(BigInt(String(r.h))).toBe(documented(BigInt(String(r.k))));
      }),
      { numRuns: 30, seed: 1507 },
    );
  });

  it('under scheme /1, and for text keys under /2, is md5_number_lower of the key text', async () => {
    const engine = await Engine.get();
    await engine.run(`CREATE OR REPLACE TABLE lg_k2 AS SELECT range::BIGINT AS k, 'x' || range AS t FROM range(-50, 50)`);
    const md5 = (e: string) => `SELECT rowid AS p, md5_number_lower(${e}::VARCHAR) AS h FROM lg_k2`;
    const same = async (rel: string, oracle: string) =>
      Number(await engine.value(`SELECT count(*) FROM ((SELECT p, h FROM ${rel}) EXCEPT (${oracle}))`));
    const cols: Column[] = [
      { name: 'k', type: 'BIGINT' },
      { name: 't', type: 'VARCHAR' },
    ];
    expect(await same(boundaryHashes(CHUNK_SCHEME_V1, ['k'], cols, 'rowid', 'lg_k2'), md5('k'))).toBe(0);
    expect(await same(boundaryHashes(CHUNK_SCHEME, ['t'], cols, 'rowid', 'lg_k2'), md5('t'))).toBe(0);
    expect(await same(boundaryHashes(CHUNK_SCHEME, ['k'], cols, 'rowid', 'lg_k2'), md5('k'))).toBeGreaterThan(0);
  });

  it('cuts where planCuts puts them under /1 and /2, and every chunk verifies under its id', async () => {
    const engine = await Engine.get();
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-boundary-'));
    try {
      const cols: Column[] = [
        { name: 'id', type: 'BIGINT' },
        { name: 'v', type: 'VARCHAR' },
      ];
      await engine.run(
        `CREATE OR REPLACE TABLE lg_rows AS SELECT (range * 7 - 3000)::BIGINT AS id, 'v' || range AS v FROM range(2000) ORDER BY id`,
      );
      for (const scheme of [CHUNK_SCHEME_V1, CHUNK_SCHEME]) {
        const s = { scheme, target: 64, min: 16, max: 256 };
        const store = new ChunkStore(path.join(base, String(scheme.length)));
        await fsp.mkdir(store.dir, { recursive: true });
        const chunks = await writeChunks(engine, store, 'lg_rows', cols, ['id'], s);
        const hashes = await engine.all(`SELECT p, h FROM ${boundaryHashes(scheme, ['id'], cols, 'rowid', 'lg_rows')} ORDER BY p`);
        const candidates = hashes
          .filter((r) => BigInt(String(r.h)) % 4n === 0n)
          .map((r) => ({ pos: Number(r.p) + 1, major: BigInt(String(r.h)) % 64n === 0n }));
        let end = 0;
        expect(chunks.map((c) => (end += c.rows))).toEqual(planCuts(2000, candidates, s));
        for (const c of chunks) expect(await chunkDigest(engine, store.pathOf(c.id), schemaSignature(cols))).toBe(c.id);
      }
    } finally {
      await fsp.rm(base, { recursive: true, force: true });
    }
  });
});
