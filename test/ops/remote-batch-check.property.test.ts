import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { writeChunks } from '../../src/table/chunker.js';
import { chunkDigest, noteManifestChunks } from '../../src/table/chunkid.js';
import { chunkIdsOf } from '../../src/table/chunk-verify.js';
import { schemaSignature } from '../../src/table/schema.js';
import { COLUMNS, SMALL, row, setup, valuesSql } from './remote-chunk-fixture.js';

// Chunks fetched together are checked in batches, one statement per batch (src/table/chunk-verify.ts):
// every id a batch computes is the id `chunkDigest` computes for that file alone (the definition's
// reference), whatever the batch holds, and a forged chunk fetched among good ones is refused, named,
// and nothing of it stays, while every chunk that is kept is genuine.

afterAll(() => Engine.get().then((e) => e.close()));

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
