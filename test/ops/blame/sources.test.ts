import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/db.js';
import type { BlameResult } from '../../../src/ops/blame/index.js';
import { BLAME_KEY_READ, changeSet } from '../../../src/ops/blame/sources.js';
import { readManifest, readTableTree, writeManifest } from '../../../src/ops/tree.js';
import { ChunkStore } from '../../../src/store/chunks.js';
import { chunkFresh } from '../../../src/table/changes.js';
import type { ChunkRef, DeltaRef, Manifest } from '../../../src/table/manifest.js';
import { TableSnapshot } from '../../../src/table/snapshot.js';
import { Repo } from '../../../src/repo.js';
import { withRepo } from './history-model.js';
import { commitMade } from '../../helpers.js';

const chunk = (id: string, min: unknown[], max: unknown[]): ChunkRef => ({ id, rows: 1, bytes: 1, min: min as never, max: max as never });
const delta = (id: string): DeltaRef => ({ ...chunk(id, [], []), upserts: 1, deletes: 0 });
const manifest = (chunks: ChunkRef[], deltas: DeltaRef[] = [], key: string[] = ['id'], types = ['BIGINT', 'BIGINT']): Manifest => ({
  format: 'lakegit.table/1',
  chunking: { scheme: 's', target: 1, min: 1, max: 1 },
  key,
  columns: [{ name: key[0], type: types[0] }, ...(key[1] ? [{ name: key[1], type: types[1] }] : []), { name: 'v', type: 'BIGINT' }],
  source: { file: 'x.csv', format: 'csv' },
  rows: 1,
  chunks,
  deltas,
});
const store = new ChunkStore('/chunks');
const p = (id: string) => store.pathOf(id);

async function commitsOf(r: BlameResult): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const batch of r.rows) for (const row of batch) out[String(row.key.id)] = row.commit;
  return out;
}

afterAll(() => Repo.close());

describe("blame sources: which files can hold a commit's changes", () => {
  it('blame: change sets from manifests: none, one exact change chunk, change-chunk tails, base differences, schema change', () => {
    const base = [chunk('a', [1], [5]), chunk('b', [6], [9])];
    expect(changeSet(manifest(base, [delta('d1')]), manifest(base, [delta('d1')]), store)).toEqual({ kind: 'none' });
    expect(changeSet(manifest(base, [delta('d1'), delta('d2')]), manifest(base, [delta('d1')]), store)).toEqual({
      kind: 'files',
      childBase: [],
      parentBase: [],
      deltas: [p('d2')],
      exact: p('d2'),
    });
    // A first change chunk over a bare base may be several stagings folded: not trusted as exact.
    expect(changeSet(manifest(base, [delta('d1')]), manifest(base), store)).toMatchObject({ deltas: [p('d1')], exact: undefined });
    // A commit that went back to an older manifest: the parent's tail holds what changed.
    expect(changeSet(manifest(base, [delta('d1')]), manifest(base, [delta('d1'), delta('d2')]), store)).toMatchObject({
      deltas: [p('d2')],
      exact: undefined,
    });
    expect(changeSet(manifest([base[0], chunk('c', [6], [9])], [delta('d9')]), manifest(base, [delta('d1')]), store)).toEqual({
      kind: 'files',
      childBase: [p('c')],
      parentBase: [p('b')],
      deltas: [p('d9'), p('d1')],
    });
    const wider = { ...manifest(base), columns: [...manifest(base).columns, { name: 'w', type: 'VARCHAR' }] };
    expect(changeSet(wider, manifest(base), store)).toEqual({ kind: 'all' });
    expect(changeSet(undefined, manifest(base), store)).toEqual({ kind: 'all' });
  });

  it('blame: chunk pruning keeps exactly the chunks whose key range can hold a key, lexicographically for composite keys', async () => {
    const e = await Engine.get();
    await e.run('CREATE OR REPLACE TABLE __t_keys (id BIGINT)');
    await e.run('INSERT INTO __t_keys VALUES (15), (31)');
    const ints = manifest([chunk('a', [1], [10]), chunk('b', [11], [20]), chunk('c', [21], [30]), chunk('d', [32], [40])]);
    expect((await new TableSnapshot(ints, store).chunksForKeys(e, 'SELECT * FROM __t_keys', BLAME_KEY_READ)).map((c) => c.id)).toEqual([
      'b',
    ]);
    await e.run('CREATE OR REPLACE TABLE __t_keys2 (a BIGINT, b VARCHAR)');
    await e.run("INSERT INTO __t_keys2 VALUES (1, 'z'), (3, 'a')");
    const pairs = manifest(
      [chunk('a', [1, 'a'], [1, 'm']), chunk('b', [1, 'n'], [2, 'c']), chunk('c', [2, 'd'], [3, 'a'])],
      [],
      ['a', 'b'],
      ['BIGINT', 'VARCHAR'],
    );
    expect((await new TableSnapshot(pairs, store).chunksForKeys(e, 'SELECT * FROM __t_keys2', BLAME_KEY_READ)).map((c) => c.id)).toEqual([
      'b',
      'c',
    ]);
    const doubles = manifest([chunk('a', [1], [10]), chunk('b', [11], [20])], [], ['id'], ['DOUBLE']);
    expect((await new TableSnapshot(doubles, store).chunksForKeys(e, 'SELECT * FROM __t_keys', BLAME_KEY_READ)).map((c) => c.id)).toEqual([
      'a',
      'b',
    ]); // not trusted to round-trip
    await e.run('DROP TABLE __t_keys; DROP TABLE __t_keys2');
  });

  it('blame: on a table of several chunks, blame --where, cell blame and log --key agree with the history', async () => {
    await withRepo(async (repo) => {
      process.env.LAKEGIT_AUTHOR_DATE = '2026-01-01T00:00:00Z';
      const n = 5000;
      const rows = (f: (i: number) => number) => `id,v\n${Array.from({ length: n }, (_, i) => `${i + 1},${f(i + 1)}`).join('\n')}\n`;
      const file = path.join(repo.root, 't.csv');
      await fsp.writeFile(
        file,
        rows((i) => i),
      );
      await repo.add({ paths: ['t.csv'], cwd: repo.root, key: ['id'] });
      // Re-chunk with a small scheme so 5,000 rows make several chunks; later stagings keep the scheme.
      const index = await repo.ctx.staging.read();
      const m0 = await readManifest(repo.ctx, index.tables.t.manifest);
      const e = await Engine.get();
      await e.run(`CREATE OR REPLACE TABLE __t_work AS ${new TableSnapshot(m0, repo.ctx.chunks).sql()}`);
      const small = await chunkFresh(e, repo.ctx.chunks, {
        work: '__t_work',
        columns: m0.columns,
        key: m0.key,
        source: m0.source,
        chunking: { ...m0.chunking, target: 512, min: 128, max: 2048 },
      });
      await e.run('DROP TABLE __t_work');
      index.tables.t.manifest = await writeManifest(repo.ctx, small);
      await repo.ctx.staging.write(index);
      const load = commitMade(await repo.commit({ message: 'load', author: 'Ann <a@x>' })).oid;
      await fsp.writeFile(
        file,
        rows((i) => (i === 4900 ? -1 : i)),
      );
      await repo.add({ paths: ['t.csv'], cwd: repo.root });
      const bump = commitMade(await repo.commit({ message: 'bump', author: 'Bob <b@x>' })).oid;
      const m = await readManifest(repo.ctx, (await readTableTree(repo.ctx, bump)).tables.get('t')!);
      expect(m.chunks.length).toBeGreaterThan(3);
      expect(m.deltas.length).toBe(1);
      await e.run('CREATE OR REPLACE TABLE __t_keys (id BIGINT); INSERT INTO __t_keys VALUES (4900)');
      const holding = await new TableSnapshot({ ...m, deltas: [] }, repo.ctx.chunks).chunksForKeys(
        e,
        'SELECT * FROM __t_keys',
        BLAME_KEY_READ,
      );
      expect(holding.length).toBe(1);
      expect(Number(holding[0].min[0])).toBeLessThanOrEqual(4900);
      expect(Number(holding[0].max[0])).toBeGreaterThanOrEqual(4900);
      expect(await commitsOf(await repo.blame({ ref: 't@HEAD', where: 'id IN (1, 4900)', cells: true }))).toEqual({ 1: load, 4900: bump });
      const all = await commitsOf(await repo.blame({ ref: 't@HEAD' }));
      expect(Object.keys(all).length).toBe(n);
      expect(Object.values(all).filter((c) => c === bump)).toHaveLength(1);
      const history = await repo.rowHistory({ key: [['id', '4900']] });
      expect(history.map((h) => [h.commit, h.row.op, h.row.before?.v ?? null, h.row.after?.v ?? null])).toEqual([
        [bump, 'modified', 4900, -1],
        [load, 'added', null, 4900],
      ]);
    });
  }, 120_000);

  it('blame: a commit that restores an older manifest verbatim (as a revert may) is blamed for the rows it restored', async () => {
    await withRepo(async (repo) => {
      process.env.LAKEGIT_AUTHOR_DATE = '2026-01-01T00:00:00Z';
      const file = path.join(repo.root, 'o.csv');
      const commit = async (text: string, message: string) => {
        await fsp.writeFile(file, text);
        await repo.add({ paths: ['o.csv'], cwd: repo.root, key: ['id'] });
        return commitMade(await repo.commit({ message, author: 'Ann <a@x>' })).oid;
      };
      const load = await commit('id,v\n1,1\n2,2\n3,3\n', 'load');
      const c1 = await commit('id,v\n1,1\n2,20\n3,3\n', 'c1');
      await commit('id,v\n1,1\n2,20\n3,30\n', 'c2');
      const index = await repo.ctx.staging.read();
      index.tables.o.manifest = (await readTableTree(repo.ctx, c1)).tables.get('o')!;
      await repo.ctx.staging.write(index);
      const back = commitMade(await repo.commit({ message: 'back to c1', author: 'Bob <b@x>' })).oid;
      expect(await commitsOf(await repo.blame({ ref: 'o@HEAD' }))).toEqual({ 1: load, 2: c1, 3: back });
    });
  });
});
