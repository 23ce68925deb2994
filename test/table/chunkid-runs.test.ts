import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { writeChunks } from '../../src/table/chunker.js';
import { chunkDigest } from '../../src/table/chunkid.js';
import { CHUNK_SCHEME } from '../../src/table/manifest.js';
import { schemaSignature, type Column } from '../../src/table/schema.js';

// The writer hashes every row's md5 off one scratch file, read into one reused 1 MiB buffer
// (src/table/chunkid.ts, `hashRuns`): with 70,000 rows the file is 2.3 MB, so lines and chunks
// straddle the reads. Oracle: docs/format.md's formula as one plain DuckDB query per chunk.

const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'v', type: 'VARCHAR' },
  { name: 'x', type: 'DOUBLE' },
];
const ROWS = 70_000;
const SCHEME = { scheme: CHUNK_SCHEME, target: 8192, min: 2048, max: 16384 };

afterAll(() => Engine.get().then((e) => e.close()));

describe('chunk ids of a table whose digests span several reads', () => {
  it('are the documented formula for every chunk, and the verifier agrees', async () => {
    const engine = await Engine.get();
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-chunkid-runs-'));
    try {
      const store = new ChunkStore(base);
      await engine.run(`CREATE OR REPLACE TABLE lg_runs AS
        SELECT i * 3 AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'v ' || (i % 977) || ' é' END AS v, i / 8.0 AS x
        FROM range(${ROWS}) t(i) ORDER BY id`);
      const chunks = await writeChunks(engine, store, 'lg_runs', COLUMNS, ['id'], SCHEME);
      expect(chunks.length).toBeGreaterThan(4);
      expect(chunks.reduce((s, c) => s + c.rows, 0)).toBe(ROWS);
      const sig = schemaSignature(COLUMNS);
      for (const c of chunks) {
        const oracle = await engine.value<string>(
          `SELECT sha256($1 || string_agg(md5(json_array(id, v, x)::VARCHAR), '' ORDER BY id)) FROM lg_runs WHERE id BETWEEN $2 AND $3`,
          [sig, Number(c.min![0]), Number(c.max![0])],
        );
        expect(c.id).toBe(oracle);
      }
      // The verifier reads one chunk file the same way.
      const big = chunks.reduce((a, b) => (b.rows > a.rows ? b : a));
      expect(await chunkDigest(engine, store.pathOf(big.id), sig)).toBe(big.id);
    } finally {
      await engine.run('DROP TABLE IF EXISTS lg_runs');
      await fsp.rm(base, { recursive: true, force: true });
    }
  });
});
