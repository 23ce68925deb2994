import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { chunkDigest } from '../../src/table/chunkid.js';
import { chunkIdsOf } from '../../src/table/chunk-verify.js';
import { schemaSignature } from '../../src/table/schema.js';
import { COLUMNS, chunksWithForgery, row, setup } from './remote-chunk-fixture.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

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
          // A forged chunk: the victim's rows with one value changed.
          const { chunks, victim, forged } = await chunksWithForgery(engine, { base, writer, store }, rows, pick);
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
