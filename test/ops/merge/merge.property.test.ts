import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/db.js';
import { Repo } from '../../../src/repo.js';
import { TEST_ENV, commitMade } from '../../helpers.js';

Object.assign(process.env, TEST_ENV);
afterAll(() => Repo.close());
// This file's DuckDB on one thread (afterAll closes it; the next file gets the default again). Its tables
// are a few rows, one chunk each: DuckDB has nothing to split between threads, and a chunk write
// uses one connection (chunker.ts: lanes = min(threads, chunks) = 1), so no code path changes; the second
// thread only adds scheduling, ~30% of this file's CPU (45.8 -> 32.1 s, same seeds, same load).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

// Seeded, so a failure replays (MERGE_SEED, MERGE_RUNS to explore further); each property gets its own
// stream of cases from the seed.
const SEED = Number(process.env.MERGE_SEED ?? 20261206);
const RUNS = Number(process.env.MERGE_RUNS ?? 15);

/*
 * Random small keyed tables (id 1..6, a number, b a string or NULL) and random edits on two
 * branches from one base. A naive per-key reference merge, written apart from src/ops/merge/policy.ts,
 * says what the result must be.
 */
type Row = { id: number; a: number; b: string | null };
type Table = Map<number, Row>;
type Edit = { id: number; what: 'a' | 'b' | 'delete' | 'upsert'; value: number };

const editArb: fc.Arbitrary<Edit> = fc.record({
  id: fc.integer({ min: 1, max: 6 }),
  what: fc.constantFrom('a', 'b', 'delete', 'upsert') as fc.Arbitrary<Edit['what']>,
  value: fc.integer({ min: 0, max: 2 }),
});
const tableArb: fc.Arbitrary<Table> = fc
  .uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 6 }), a: fc.integer({ min: 0, max: 2 }), b: fc.constantFrom('s0', 's1', null) }), {
    selector: (r) => r.id,
    minLength: 1,
    maxLength: 6,
  })
  .map((rows) => new Map(rows.map((r) => [r.id, r])));

const bOf = (v: number) => (v === 2 ? null : `s${v}`);
function applyEdits(t: Table, edits: readonly Edit[]): Table {
  const out = new Map([...t].map(([k, r]) => [k, { ...r }]));
  for (const e of edits) {
    const r = out.get(e.id);
    if (e.what === 'delete') out.delete(e.id);
    else if (e.what === 'upsert') out.set(e.id, { id: e.id, a: e.value + 10, b: bOf(e.value) });
    else if (r && e.what === 'a') r.a = e.value;
    else if (r && e.what === 'b') r.b = bOf(e.value);
  }
  return out;
}

const csv = (t: Table) =>
  `id,a,b\n${[...t.values()]
    .sort((x, y) => x.id - y.id)
    .map((r) => `${r.id},${r.a},${r.b ?? ''}\n`)
    .join('')}`;
/** The working file with its rows in key order: files keep their own order, new keys go last (docs/cli.md), so rows are compared by key. */
const byKey = (text: string): string => {
  const [head, ...rows] = text.split('\n').filter(Boolean);
  rows.sort((x, y) => Number(x.split(',')[0]) - Number(y.split(',')[0]));
  return `${[head, ...rows].join('\n')}\n`;
};
const same = (x?: Row, y?: Row) => (x === undefined ? y === undefined : y !== undefined && x.a === y.a && x.b === y.b);

/** The naive reference: per key, then per cell; conflicts settle to `side`. Returns the table and the conflicting (key, column|null). */
function reference(base: Table, ours: Table, theirs: Table, side: 'ours' | 'theirs'): { table: Table; conflicts: string[] } {
  const table: Table = new Map();
  const conflicts: string[] = [];
  for (const id of [...new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])].sort((x, y) => x - y)) {
    const [b, o, t] = [base.get(id), ours.get(id), theirs.get(id)];
    let row: Row | undefined;
    if (same(o, b)) row = t;
    else if (same(t, b) || same(o, t)) row = o;
    else if (!o || !t) {
      conflicts.push(`${id}:row`);
      row = side === 'ours' ? o : t;
    } else {
      row = { id, a: o.a, b: o.b };
      for (const c of ['a', 'b'] as const) {
        const [bc, oc, tc] = [b ? b[c] : undefined, o[c], t[c]];
        if (b && oc === bc) (row[c] as unknown) = tc;
        else if (b && tc === bc) (row[c] as unknown) = oc;
        else if (oc !== tc) {
          conflicts.push(`${id}:${c}`);
          (row[c] as unknown) = side === 'ours' ? oc : tc;
        }
      }
    }
    if (row) table.set(id, row);
  }
  return { table, conflicts };
}

/** A repository with `base` on main, `theirs` committed on fix and `ours` on main (each commit only if it changed something). */
async function withBranches<T>(
  base: Table,
  ours: Table,
  theirs: Table,
  body: (repo: Repo, read: () => Promise<string>) => Promise<T>,
): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-mergeprop-'));
  const file = path.join(dir, 'o.csv');
  const write = (t: Table) => fsp.writeFile(file, csv(t));
  try {
    const repo = await Repo.init(dir);
    await write(base);
    await repo.add({ paths: ['o.csv'], cwd: dir, key: ['id'] });
    await repo.commit({ message: 'base' });
    const commit = async (t: Table, message: string) => {
      await write(t);
      await repo.commit({ message, all: true, allowEmpty: true });
    };
    await repo.checkout({ target: 'HEAD', create: 'fix' });
    await commit(theirs, 'theirs');
    await repo.checkout({ target: 'main' });
    await commit(ours, 'ours');
    return await body(repo, async () => byKey(await fsp.readFile(file, 'utf8')));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Each table committed on main in turn (an unchanged one as an empty commit). */
async function withHistory<T>(tables: Table[], body: (repo: Repo, read: () => Promise<string>, oids: string[]) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-mergeprop-'));
  const file = path.join(dir, 'o.csv');
  try {
    const repo = await Repo.init(dir);
    const oids: string[] = [];
    for (const [i, t] of tables.entries()) {
      await fsp.writeFile(file, csv(t));
      if (i === 0) await repo.add({ paths: ['o.csv'], cwd: dir, key: ['id'] });
      oids.push(commitMade(await repo.commit({ message: `c${i}`, all: i > 0, allowEmpty: true })).oid);
    }
    return await body(repo, async () => byKey(await fsp.readFile(file, 'utf8')), oids);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const keysOf = (list: { key: unknown; column: string | null }[]) =>
  list.map((c) => `${(c.key as { id: number }).id}:${c.column ?? 'row'}`).sort();

// A case builds a repository of three commits and runs several verbs on it: ~1 s of CPU, far more wall on a loaded machine.
describe('merge: properties on random histories', { timeout: 300_000 }, () => {
  it('merge: merging disjoint changes equals applying both diffs', async () => {
    await fc.assert(
      fc.asyncProperty(tableArb, fc.array(editArb, { maxLength: 5 }), fc.array(editArb, { maxLength: 5 }), async (base, eo, et) => {
        // Ours edits odd keys only, theirs even keys only.
        const ours = applyEdits(
          base,
          eo.filter((e) => e.id % 2 === 1),
        );
        const theirs = applyEdits(
          base,
          et.filter((e) => e.id % 2 === 0),
        );
        const expected = applyEdits(
          applyEdits(
            base,
            eo.filter((e) => e.id % 2 === 1),
          ),
          et.filter((e) => e.id % 2 === 0),
        );
        await withBranches(base, ours, theirs, async (repo, read) => {
          const r = await repo.merge({ source: 'fix' });
          expect(r.conflicts).toEqual([]);
          expect(await read()).toBe(csv(expected));
        });
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('merge: agrees with a naive reference, and is symmetric up to ours/theirs', async () => {
    await fc.assert(
      fc.asyncProperty(tableArb, fc.array(editArb, { maxLength: 5 }), fc.array(editArb, { maxLength: 5 }), async (base, eo, et) => {
        const [ours, theirs] = [applyEdits(base, eo), applyEdits(base, et)];
        await withBranches(base, ours, theirs, async (repo, read) => {
          const ref = reference(base, ours, theirs, 'ours');
          const dry = await repo.merge({ source: 'fix', dryRun: true });
          expect(keysOf(dry.conflicts)).toEqual([...ref.conflicts].sort());
          const head = (await repo.ctx.git.resolveRef('HEAD'))!;
          const r1 = await repo.merge({ source: 'fix', strategy: 'ours' });
          expect(r1.status === 'merged' || r1.status === 'fast-forward' || r1.status === 'up-to-date').toBe(true);
          const one = await read();
          expect(one).toBe(csv(ref.table));
          await repo.reset(head, 'hard');
          await repo.checkout({ target: 'fix' });
          const back = await repo.merge({ source: 'main', dryRun: true });
          const swapped = back.conflicts.map((c) => ({ ...c, ours: c.theirs, theirs: c.ours }));
          expect(swapped).toEqual(dry.conflicts);
          await repo.merge({ source: 'main', strategy: 'theirs' });
          expect(await read()).toBe(one);
        });
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it('merge: revert of a commit followed by revert of the revert restores the table', async () => {
    await fc.assert(
      fc.asyncProperty(
        tableArb,
        fc.array(editArb, { minLength: 1, maxLength: 5 }),
        fc.array(editArb, { maxLength: 3 }),
        async (base, e1, e2) => {
          const c1 = applyEdits(
            base,
            e1.filter((e) => e.id <= 3),
          );
          const c2 = applyEdits(
            c1,
            e2.filter((e) => e.id > 3),
          ); // a later commit, on other keys
          fc.pre(csv(c1) !== csv(base));
          await withHistory([base, c1, c2], async (repo, read, oids) => {
            const r = await repo.revert({ rev: oids[1] });
            expect(r.conflicts).toEqual([]);
            expect(await read()).toBe(csv(reference(c1, c2, base, 'ours').table));
            await repo.revert({ rev: 'HEAD' });
            expect(await read()).toBe(csv(c2));
          });
        },
      ),
      { numRuns: 12, seed: SEED + 2 },
    );
  });

  it('merge: cherry-pick of a commit onto its own parent reproduces it', async () => {
    await fc.assert(
      fc.asyncProperty(tableArb, fc.array(editArb, { minLength: 1, maxLength: 6 }), async (base, edits) => {
        const next = applyEdits(base, edits);
        fc.pre(csv(next) !== csv(base));
        await withBranches(base, next, base, async (repo, read) => {
          const tip = (await repo.ctx.git.resolveRef('HEAD'))!;
          const parent = (await repo.ctx.git.readCommit(tip)).parents[0];
          await repo.checkout({ target: parent });
          const r = await repo.cherryPick({ rev: tip });
          expect(r.conflicts).toEqual([]);
          expect(await read()).toBe(csv(next));
          const tree = async (oid: string) => (await repo.ctx.git.readCommit(oid)).tree;
          if (r.commit) expect(await tree(r.commit)).toBe(await tree(tip));
        });
      }),
      { numRuns: 12, seed: SEED + 3 },
    );
  });
});
