import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { ChunkStore } from '../../src/store/chunks.js';
import { applyDelta, chunkFresh, workName } from '../../src/table/changes.js';
import { CHUNK_SCHEME, type Manifest } from '../../src/table/manifest.js';
import { OP, TableSnapshot } from '../../src/table/snapshot.js';

const SMALL = { scheme: CHUNK_SCHEME, target: 64, min: 16, max: 256 };
const columns = [
  { name: 'id', type: 'INTEGER' },
  { name: 'select', type: 'VARCHAR' },
];
const source = { file: 't.csv', format: 'csv' as const };

afterAll(async () => {
  if (Engine.loaded()) (await Engine.get()).close();
});

const edit = fc.record({
  id: fc.integer({ min: 1, max: 900 }),
  op: fc.constantFrom('modified', 'removed', 'added'),
  v: fc.option(fc.string()),
});

describe('table snapshot: the one reader by key', () => {
  it('snapshot: rowsForKeys equals the whole snapshot filtered by the keys, and reads no chunk only change rows answer (property)', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-snapshot-'));
    const store = new ChunkStore(dir);
    const engine = await Engine.get();
    const work = workName('t');
    await engine.run(`CREATE TABLE ${work} AS SELECT i::INTEGER AS id, 'v' || i AS "select" FROM range(1, 801, 2) r(i)`);
    const base = await chunkFresh(engine, store, { work, columns, key: ['id'], source, chunking: SMALL });
    expect(base.chunks.length).toBeGreaterThan(3);
    let runs = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(edit, { maxLength: 12 }), { maxLength: 3 }),
          fc.array(fc.integer({ min: 0, max: 901 }), { minLength: 1, maxLength: 20 }),
          fc.constantFrom(undefined, { maxKeys: 3 }),
          async (deltas, keys, limits) => {
            runs++;
            let m: Manifest = base;
            for (const d of deltas) {
              const rows = new Map(d.map((e) => [e.id, e]));
              const present = await new TableSnapshot(m, store).rowsForKeys(
                engine,
                `SELECT unnest([${[...rows.keys()].join(', ') || 'NULL'}]::INTEGER[]) AS id`,
              );
              const have = new Set((await engine.all(`SELECT id FROM (${present})`)).map((r) => Number(r.id)));
              // An edit is what it can be: a key present is modified or removed, an absent one added.
              const fitting = [...rows.values()].filter((e) => (have.has(e.id) ? e.op !== 'added' : e.op === 'added'));
              if (fitting.length === 0) continue;
              const t = workName('d');
              await engine.run(`CREATE TABLE ${t} (id INTEGER, "select" VARCHAR, ${OP} VARCHAR)`);
              for (const e of fitting) await engine.run(`INSERT INTO ${t} VALUES ($1, $2, $3)`, [e.id, e.v, e.op]);
              m = await applyDelta(engine, store, m, t, source);
              await engine.run(`DROP TABLE ${t}`);
            }
            const snap = new TableSnapshot(m, store);
            const listed = `SELECT unnest([${keys.join(', ')}]::INTEGER[]) AS id`;
            const got = await engine.all(`SELECT * FROM (${await snap.rowsForKeys(engine, listed, limits)}) ORDER BY id`);
            const want = await engine.all(`SELECT * FROM (${snap.sql()}) WHERE id IN (${listed}) ORDER BY id`);
            expect(got).toEqual(want);
            // Sound: every base chunk holding a key no change row holds is kept.
            const kept = new Set((await snap.chunksForKeys(engine, listed, limits)).map((c) => c.id));
            const changed = new Set(
              m.deltas.length
                ? (await engine.all(`SELECT id FROM read_parquet([${m.deltas.map((d) => `'${store.pathOf(d.id)}'`).join(', ')}])`)).map(
                    (r) => Number(r.id),
                  )
                : [],
            );
            for (const k of keys.filter((x) => !changed.has(x)))
              for (const c of m.chunks) if (Number(c.min[0]) <= k && k <= Number(c.max[0])) expect(kept.has(c.id)).toBe(true);
            // Keys only change rows hold need no base chunk.
            if (!limits && keys.every((k) => changed.has(k))) expect(kept.size).toBe(0);
          },
        ),
        { numRuns: 30, seed: 1313 },
      );
      expect(runs).toBe(30);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
