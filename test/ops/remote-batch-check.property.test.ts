import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { RepoContext } from '../../src/ops/context.js';
import { GitStore } from '../../src/store/git.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { openChunkStore } from '../../src/store/remote-store.js';
import { writeChunks } from '../../src/table/chunker.js';
import { chunkDigest, noteManifestChunks } from '../../src/table/chunkid.js';
import { chunkIdsOf } from '../../src/table/chunk-verify.js';
import { schemaSignature } from '../../src/table/schema.js';
import { CHUNK_SCHEME } from '../../src/table/manifest.js';
import type { Column } from '../../src/table/schema.js';

// Chunks fetched together are checked in batches, one statement per batch (src/table/chunk-verify.ts):
// every id a batch computes is the id `chunkDigest` computes for that file alone (the definition's
// reference), whatever the batch holds, and a forged chunk fetched among good ones is refused, named,
// and nothing of it stays, while every chunk that is kept is genuine.

const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'select', type: 'INTEGER' },
  { name: 'big', type: 'HUGEINT' },
  { name: 'f', type: 'DOUBLE' },
  { name: 'dec', type: 'DECIMAL(20,4)' },
  { name: 'filename', type: 'VARCHAR' },
  { name: '__op', type: 'BOOLEAN' },
  { name: 'd', type: 'DATE' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'odd "name", é', type: 'VARCHAR' },
];
const SMALL = { scheme: CHUNK_SCHEME, target: 8, min: 2, max: 32 };

const text = fc.oneof(fc.string(), fc.constantFrom('', 'NULL', 'a "quoted" \\ back', 'tab\there\nnew', 'ü 🙂 /'));
const row = fc.record({
  select: fc.option(fc.integer(), { nil: null }),
  big: fc.option(fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }), { nil: null }),
  f: fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0.1, 1e21, -3)), { nil: null }),
  dec: fc.option(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }), { nil: null }),
  filename: fc.option(text, { nil: null }),
  op: fc.option(fc.boolean(), { nil: null }),
  d: fc.option(fc.integer({ min: -700_000, max: 2_900_000 }), { nil: null }),
  ts: fc.option(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), { nil: null }),
  odd: fc.option(text, { nil: null }),
});
type Row = typeof row extends fc.Arbitrary<infer R> ? R : never;

const valuesSql = (id: number, r: Row) =>
  `(${[
    String(id),
    r.select ?? 'NULL',
    r.big === null ? 'NULL' : `${r.big}::HUGEINT`,
    r.f === null ? 'NULL' : `${Object.is(r.f, -0) ? '-0.0' : r.f}::DOUBLE`,
    r.dec === null ? 'NULL' : `(${r.dec}::HUGEINT::DECIMAL(38,0) / 10000)::DECIMAL(20,4)`,
    r.filename === null ? 'NULL' : quoteLiteral(r.filename),
    r.op ?? 'NULL',
    r.d === null ? 'NULL' : `DATE '2000-01-01' + ${r.d}`,
    r.ts === null ? 'NULL' : `TIMESTAMP '2000-01-01' + INTERVAL (${r.ts}) MICROSECOND`,
    r.odd === null ? 'NULL' : quoteLiteral(r.odd),
  ].join(', ')})`;

afterAll(() => Engine.get().then((e) => e.close()));

async function setup() {
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-ondemand-'));
  const writer = new ChunkStore(path.join(base, 'writer'));
  await fsp.mkdir(writer.dir);
  const storeDir = path.join(base, 'store');
  const clone = await RepoContext.create(path.join(base, 'clone'));
  await GitStore.init(clone.gitdir, 'main');
  await clone.git.setConfig('remote.origin.url', path.join(base, 'remote.git'));
  await clone.git.setConfig('remote.origin.lakegitchunks', storeDir);
  return { base, writer, store: await openChunkStore(storeDir), clone };
}

describe('chunks checked in batches (property)', () => {
  it('a batch computes each file’s own id; a forged chunk among good ones is refused and nothing bad is kept', async () => {
    const engine = await Engine.get();
    const cases = fc.tuple(
      fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 500 }), row), { selector: ([id]) => id, minLength: 8, maxLength: 60 }),
      fc.nat(),
      fc.nat(),
    );
    let batched = 0;
    await fc.assert(
      fc.asyncProperty(cases, async ([rows, pick, shuffle]) => {
        const { base, writer, store, clone } = await setup();
        try {
          const defs = COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
          await engine.run(`CREATE OR REPLACE TABLE lg_src (${defs})`);
          await engine.run(`INSERT INTO lg_src VALUES ${rows.map(([id, r]) => valuesSql(id, r)).join(', ')}`);
          await engine.run('CREATE OR REPLACE TABLE lg_work AS SELECT * FROM lg_src ORDER BY id');
          const chunks = await writeChunks(engine, writer, 'lg_work', COLUMNS, ['id'], SMALL);
          noteManifestChunks({ columns: COLUMNS, chunks, deltas: [] });
          for (const c of chunks) await store.put(c.id, writer.pathOf(c.id));
          // The victim's file in the store: its rows with one value changed.
          const victim = chunks[pick % chunks.length];
          const forged = path.join(base, 'forged.parquet');
          await engine.run(
            `COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 1 THEN coalesce("select", 0) + 1 ELSE "select" END AS "select") FROM read_parquet(${pathList([writer.pathOf(victim.id)])})) TO ${quoteLiteral(forged)} (FORMAT parquet)`,
          );
          // One batch over the files in some order, the forged one among them: each id is the file's own.
          const files = chunks.map((c) => (c === victim ? forged : writer.pathOf(c.id)));
          const order = files.map((_, i) => (i + shuffle) % files.length);
          const sig = schemaSignature(COLUMNS);
          const ids = await chunkIdsOf(
            engine.conn,
            order.map((i) => files[i]),
            sig,
            base,
          );
          for (const [k, i] of order.entries()) expect(ids[k]).toBe(await chunkDigest(engine, files[i], sig));
          for (const [k, i] of order.entries()) expect(ids[k] === chunks[i].id).toBe(chunks[i] !== victim);
          // Fetched together, as a clone fetches them.
          await fsp.rm(path.join(store.display, `${victim.id}.parquet`));
          await fsp.copyFile(forged, path.join(store.display, `${victim.id}.parquet`));
          await expect(clone.chunks.ensure(chunks.map((c) => c.id))).rejects.toThrow(`refused chunk ${victim.id}`);
          expect(await clone.chunks.has(victim.id)).toBe(false);
          const left = await fsp.readdir(clone.chunks.dir);
          expect(left.filter((f) => !/^[0-9a-f]{64}\.parquet$/.test(f))).toEqual([]);
          for (const f of left) expect(await chunkDigest(engine, path.join(clone.chunks.dir, f), sig)).toBe(f.slice(0, 64));
          if (chunks.length > 2) batched++;
        } finally {
          await fsp.rm(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 20, seed: 20261206 },
    );
    expect(batched).toBeGreaterThan(10);
  }, 300_000);
});
