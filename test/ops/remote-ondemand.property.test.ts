import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { pathList } from '../../src/engine/quote.js';
import { chunksWithForgery, row, setup } from './remote-chunk-fixture.js';

// Chunks on demand: every chunk the writer makes is accepted when fetched from a remote store (its
// rows are recomputed to its id, src/table/chunkid.ts) and reads back the same rows; any chunk whose
// rows differ from its id's is refused and nothing of it stays. Oracle: the rows, compared in DuckDB.

afterAll(() => Engine.get().then((e) => e.close()));

describe('chunks on demand (property)', () => {
  it('fetched chunks are verified against their ids: the writer’s all pass and read back the rows; altered ones are refused', async () => {
    const engine = await Engine.get();
    const cases = fc.tuple(
      fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 500 }), row), { selector: ([id]) => id, minLength: 1, maxLength: 40 }),
      fc.nat(),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ([rows, pick]) => {
        const { base, writer, store, clone } = await setup();
        try {
          // A forged chunk: the victim's rows with one value changed.
          const { chunks, victim, forged } = await chunksWithForgery(engine, { base, writer, store }, rows, pick);
          const good = chunks.filter((c) => c.id !== victim.id);
          await clone.chunks.ensure(good.map((c) => c.id));
          const fetched = good.map((c) => clone.chunks.pathOf(c.id));
          if (fetched.length) {
            const sql = `SELECT * FROM read_parquet(${pathList(fetched)})`;
            const expected = `SELECT * FROM lg_src WHERE id NOT IN (SELECT id FROM read_parquet(${pathList([writer.pathOf(victim.id)])}))`;
            expect(
              Number(
                await engine.value(`SELECT count(*) FROM ((${sql} EXCEPT ALL ${expected}) UNION ALL (${expected} EXCEPT ALL ${sql}))`),
              ),
            ).toBe(0);
          }
          await fsp.rm(path.join(store.display, `${victim.id}.parquet`));
          await fsp.copyFile(forged, path.join(store.display, `${victim.id}.parquet`));
          await expect(clone.chunks.ensure([victim.id])).rejects.toMatchObject({ code: 'BadChunk' });
          expect(await clone.chunks.has(victim.id)).toBe(false);
          expect((await fsp.readdir(clone.chunks.dir)).filter((f) => !/^[0-9a-f]{64}\.parquet$/.test(f))).toEqual([]);
        } finally {
          await fsp.rm(base, { recursive: true, force: true });
        }
      }),
      { numRuns: 25, seed: 20261206 },
    );
  }, 300_000);
});
