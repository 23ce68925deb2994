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

// Each chunk's id is hashed on the connection that writes the chunk (src/table/chunker.ts, `chunkId`),
// and the writer runs two such connections. A TIMESTAMPTZ's text, which the id hashes, follows the
// connection's time zone: a second connection left in the machine's zone would give another id for
// the chunks it writes. The default zone of new connections is made New York here (`SET GLOBAL`; the
// engine's own connection keeps its session's UTC), as a machine in New York would give it. Oracle:
// docs/format.md's formula as one plain query per chunk on the engine's own (UTC) connection.

const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' },
];
const ROWS = 40_000;
const SCHEME = { scheme: CHUNK_SCHEME, target: 4096, min: 1024, max: 8192 };

afterAll(() => Engine.get().then((e) => e.close()));

describe('chunk ids written on two connections', () => {
  it('hash TIMESTAMPTZ text in UTC on every connection, as the formula and the verifier do', async () => {
    const engine = await Engine.get();
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-chunkid-lanes-'));
    await engine.run("SET GLOBAL TimeZone = 'America/New_York'");
    try {
      // The default zone really is another one: a fresh connection renders the same instant otherwise.
      const other = await engine.connect();
      const text = "SELECT CAST(TIMESTAMPTZ '2024-01-01 00:00:00+00' AS VARCHAR) AS t";
      const elsewhere = String((await other.runAndReadAll(text)).getRows()[0][0]);
      other.closeSync();
      expect(elsewhere).not.toBe(String(await engine.value(text)));

      const store = new ChunkStore(base);
      await engine.run(`CREATE OR REPLACE TABLE lg_lanes AS
        SELECT i AS id, TIMESTAMPTZ '2024-03-10 00:00:00+00' + to_seconds(i * 37) AS "at" FROM range(${ROWS}) t(i) ORDER BY id`);
      const chunks = await writeChunks(engine, store, 'lg_lanes', COLUMNS, ['id'], SCHEME);
      expect(chunks.length).toBeGreaterThan(4);
      const sig = schemaSignature(COLUMNS);
      for (const c of chunks) {
        const oracle = await engine.value<string>(
          `SELECT sha256($1 || string_agg(md5(json_array(id, "at")::VARCHAR), '' ORDER BY id)) FROM lg_lanes WHERE id BETWEEN $2 AND $3`,
          [sig, Number(c.min![0]), Number(c.max![0])],
        );
        expect(c.id).toBe(oracle);
        expect(await chunkDigest(engine, store.pathOf(c.id), sig)).toBe(c.id);
      }
    } finally {
      await engine.run('RESET GLOBAL TimeZone');
      await engine.run('DROP TABLE IF EXISTS lg_lanes');
      await fsp.rm(base, { recursive: true, force: true });
    }
  });
});
