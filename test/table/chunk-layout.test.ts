import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteLiteral } from '../../src/engine/quote.js';
import { rewriteDiffers } from '../../src/ops/chunkcheck.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { writeChunks } from '../../src/table/chunker.js';
import { CHUNK_SCHEME } from '../../src/table/manifest.js';
import type { Column } from '../../src/table/schema.js';

// Chunks are written one statement per thread (src/table/chunker.ts). On two threads DuckDB's ordered
// COPY merged the batches each thread prepared into row groups where the threads' timing put them:
// a 99,959-row chunk of the same rows came out as 67,155 + 32,804 rows in one run and 67,183 + 32,776
// in the next, so equal tables gave other chunk bytes and other manifests (docs/benchmarks.md, "import4").
// On one thread the batches are merged in order, so the row groups depend only on the rows and the
// table's own layout. Oracle: a second write of the same rows, and fsck's rewrite check (itself on
// one thread now), which compares bytes only when the layouts agree.

const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'v', type: 'VARCHAR' },
  { name: 'x', type: 'DOUBLE' },
];
const ROWS = 300_000;
// Chunks of 100k-150k rows: each spans DuckDB's own 122,880-row groups, so a COPY of one reads several batches.
const SCHEME = { scheme: CHUNK_SCHEME, target: 131072, min: 100_000, max: 150_000 };

afterAll(() => Engine.get().then((e) => e.close()));

describe('chunk files of rows that span several batches', () => {
  it('have the same bytes on every write, and pass the rewrite check', async () => {
    const engine = await Engine.get();
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-chunk-layout-'));
    try {
      await engine.run(`CREATE OR REPLACE TABLE lg_layout AS
        SELECT i * 2 AS id, 'row ' || (i % 5003) AS v, i / 3.0 AS x FROM range(${ROWS}) t(i) ORDER BY id`);
      const write = async (name: string) => {
        await fsp.mkdir(path.join(base, name));
        const store = new ChunkStore(path.join(base, name));
        return { store, chunks: await writeChunks(engine, store, 'lg_layout', COLUMNS, ['id'], SCHEME) };
      };
      const first = await write('a');
      const second = await write('b');
      expect(first.chunks.length).toBeGreaterThan(1);
      expect(second.chunks).toEqual(first.chunks);
      let multi = false;
      for (const c of first.chunks) {
        const file = first.store.pathOf(c.id);
        const groups = await engine.all(
          `SELECT row_group_id AS g, max(row_group_num_rows)::BIGINT AS n FROM parquet_metadata(${quoteLiteral(file)}) GROUP BY ALL ORDER BY g`,
        );
        const sizes = groups.map((r) => Number(r.n));
        multi ||= sizes.length > 1;
        expect(sizes.reduce((s, n) => s + n, 0)).toBe(c.rows);
        expect((await fsp.readFile(file)).equals(await fsp.readFile(second.store.pathOf(c.id)))).toBe(true);
        expect(await rewriteDiffers(engine, file)).toBe(false);
      }
      expect(multi).toBe(true);
      // The threads setting is the engine's again afterwards.
      expect(Number(await engine.value("SELECT current_setting('threads')"))).toBeGreaterThan(1);
    } finally {
      await engine.run('DROP TABLE IF EXISTS lg_layout');
      await fsp.rm(base, { recursive: true, force: true });
    }
  });
});
