import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/db.js';
import { ChunkStore } from '../../../src/store/chunks.js';
import { applyDelta, chunkFresh, workName } from '../../../src/table/changes.js';
import { CHUNK_SCHEME, type Manifest } from '../../../src/table/manifest.js';
import { OP, TableSnapshot } from '../../../src/table/snapshot.js';
import { Scratch } from '../../../src/ops/merge/scratch.js';
import { planTable } from '../../../src/ops/merge/table.js';
import { writePlan } from '../../../src/ops/merge/write.js';

/*
 * A 2,000-row table cut into ~16 small chunks. Ours and theirs each change a few rows:
 *   id 10    ours: a='x'        theirs: b=99      (both changed: the base row is needed)
 *   id 1200                     theirs: b=-1
 *   id 1500                     theirs: deleted
 *   id 5000  ours: inserted
 * Every base chunk not holding id 10 is deleted from disk before merging: a merge that read one
 * would fail. That is the claim: chunks equal on all three sides are never read.
 */
const SMALL = { scheme: CHUNK_SCHEME, target: 128, min: 32, max: 512 };
const columns = [
  { name: 'id', type: 'INTEGER' },
  { name: 'a', type: 'VARCHAR' },
  { name: 'b', type: 'INTEGER' },
];
const source = { file: 't.csv', format: 'csv' as const };

afterAll(async () => {
  if (Engine.loaded()) (await Engine.get()).close();
});

async function setup() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-scope-'));
  const store = new ChunkStore(dir);
  const engine = await Engine.get();
  const work = workName('t');
  await engine.run(`CREATE TABLE ${work} AS SELECT i::INTEGER AS id, 'v' || i AS a, (i % 7)::INTEGER AS b FROM range(1, 2001) r(i)`);
  const base = await chunkFresh(engine, store, { work, columns, key: ['id'], source, chunking: SMALL });
  const delta = async (m: Manifest, sql: string) => {
    const d = workName('d');
    await engine.run(`CREATE TABLE ${d} AS SELECT * FROM (${sql}) ORDER BY id`);
    return applyDelta(engine, store, m, d, source);
  };
  return { dir, store, engine, base, delta };
}

const rowsOf = async (engine: Engine, sql: string) => engine.all(`SELECT * FROM (${sql}) ORDER BY id`);

describe('merge scope: what a merge reads', () => {
  it('merge: chunks equal on all three sides are never read (appended change chunks)', async () => {
    const { dir, store, engine, base, delta } = await setup();
    try {
      expect(base.chunks.length).toBeGreaterThan(8);
      const ours = await delta(base, `SELECT 10 AS id, 'x' AS a, 3 AS b, 'modified' AS ${OP} UNION ALL SELECT 5000, 'new', 1, 'added'`);
      const theirs = await delta(
        base,
        `SELECT 10 AS id, 'v10' AS a, 99 AS b, 'modified' AS ${OP}
        UNION ALL SELECT 1200, 'v1200', -1, 'modified' UNION ALL SELECT 1500, NULL, NULL, 'removed'`,
      );
      const holding10 = base.chunks.find((c) => (c.min[0] as number) <= 10 && 10 <= (c.max[0] as number))!;
      for (const c of base.chunks) if (c.id !== holding10.id) await store.remove(c.id);
      const s = new Scratch(engine, store);
      const plan = await planTable(s, { base, ours, theirs }, undefined);
      expect(plan.conflicts).toEqual([]);
      expect(await rowsOf(engine, `SELECT id, a, b, ${OP} AS op FROM ${plan.changes}`)).toEqual([
        { id: 10, a: 'x', b: 99, op: 'modified' },
        { id: 1200, a: 'v1200', b: -1, op: 'modified' },
        { id: 1500, a: null, b: null, op: 'removed' },
      ]);
      const merged = await writePlan(s, ours, base, plan, source);
      expect(merged.chunks).toEqual(ours.chunks);
      expect(merged.deltas.length).toBe(ours.deltas.length + 1);
      expect(merged.rows).toBe(2000);
      const changed = await rowsOf(engine, `SELECT id, a, b FROM (${new TableSnapshot({ ...merged, chunks: [] }, store).sql()})`);
      expect(changed).toEqual([
        { id: 10, a: 'x', b: 99 },
        { id: 1200, a: 'v1200', b: -1 },
        { id: 5000, a: 'new', b: 1 },
      ]);
      await s.drop();
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('merge: after a side re-chunked its table, only chunks whose key ranges hold changed keys are read', async () => {
    const { dir, store, engine, base, delta } = await setup();
    try {
      const ours = await delta(base, `SELECT 10 AS id, 'x' AS a, 3 AS b, 'modified' AS ${OP}`);
      const rewritten = workName('rw');
      await engine.run(`CREATE TABLE ${rewritten} AS SELECT id, a, CASE WHEN id IN (10, 1200) THEN 99 ELSE b END AS b
        FROM (${new TableSnapshot(base, store).sql()}) WHERE id <> 1500 ORDER BY id`);
      const theirs = await chunkFresh(engine, store, { work: rewritten, columns, key: ['id'], source, chunking: SMALL });
      const shared = new Set(theirs.chunks.map((c) => c.id));
      expect(base.chunks.filter((c) => !shared.has(c.id)).length).toBeLessThan(base.chunks.length / 2);
      const needed = (k: number) => (c: Manifest['chunks'][number]) => (c.min[0] as number) <= k && k <= (c.max[0] as number);
      const keep = new Set(
        base.chunks.filter((c) => !shared.has(c.id) || needed(10)(c) || needed(1200)(c) || needed(1500)(c)).map((c) => c.id),
      );
      for (const c of base.chunks) if (!keep.has(c.id)) await store.remove(c.id);
      const s = new Scratch(engine, store);
      const plan = await planTable(s, { base, ours, theirs }, undefined);
      expect(await rowsOf(engine, `SELECT id, a, b, ${OP} AS op FROM ${plan.changes}`)).toEqual([
        { id: 10, a: 'x', b: 99, op: 'modified' },
        { id: 1200, a: 'v1200', b: 99, op: 'modified' },
        { id: 1500, a: null, b: null, op: 'removed' },
      ]);
      await s.drop();
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('merge: pruning keeps exactly the chunks whose key range holds a key, and all of them for keys it cannot compare', async () => {
    const engine = await Engine.get();
    const keys = workName('k');
    await engine.run(`CREATE TABLE ${keys} AS SELECT * FROM (VALUES (5), (250)) k(id)`);
    const chunks = [
      [1, 9],
      [10, 99],
      [100, 260],
      [261, 400],
    ].map(([lo, hi], i) => ({ id: `c${i}`, rows: 1, bytes: 1, min: [lo], max: [hi] }));
    const holding = (cs: typeof chunks) =>
      new TableSnapshot({ key: ['id'], columns, chunks: cs, deltas: [] } as never, new ChunkStore('/chunks')).chunksForKeys(
        engine,
        `SELECT * FROM ${keys}`,
      );
    expect((await holding(chunks)).map((c) => c.id)).toEqual(['c0', 'c2']);
    const odd = chunks.map((c) => ({ ...c, min: [{ nested: 1 }], max: [{ nested: 2 }] }));
    expect((await holding(odd as never)).length).toBe(4);
  });
});
