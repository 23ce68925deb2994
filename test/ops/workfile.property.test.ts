import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { readManifest, readTableTree } from '../../src/ops/tree.js';
import type { Manifest } from '../../src/table/manifest.js';
import { readerSql } from '../../src/table/reader-sql.js';
import { writeSnapshot } from '../../src/table/ordered-write.js';
import { names, rowText } from '../../src/table/rowsql.js';
import { TableSnapshot } from '../../src/table/snapshot.js';
import { api, newRepo } from '../cli/core-helpers.js';
import { commitMade } from '../helpers.js';

// #15 "write what changed" and #16 defect 11: checkout and revert patch a keyed text file line by line.
// Property, over random keyed tables (composite keys, odd column names, NULLs, unicode, quotes and
// delimiters in values, integers beyond 2^53) and random edits, in CSV and JSON Lines: after
// `checkout` to the other commit, the file holds exactly the rows a full rewrite of that commit
// would (read back with the table's types), its kept rows in the file's own order, rows with new
// keys at the end in key order; `status` is clean; and the patch path was taken.
const RUNS = Number(process.env.LAKEGIT_PROP_RUNS ?? 10);
const SEED = Number(process.env.LAKEGIT_PROP_SEED ?? 1615);
// This file's DuckDB on one thread (test/setup/per-file.ts closes it after the file). Its tables are at
// most 80 rows, one chunk each: DuckDB has nothing to split between threads, and a chunk write uses one
// connection (chunker.ts: lanes = min(threads, chunks) = 1), so no code path changes.
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

const COLS = ['w', '__op', 'filename', 'select', 'na me'] as const;
const value = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom('a,b', 'say "hi"', 'ü 🙂', 'NULL', ' lead', 'x;y', '9007199254740993', 'tab\tin'),
  fc.string({ maxLength: 6 }).filter((s) => !/[\r\n\u0000]/.test(s)),
);
const rowArb = fc.tuple(...COLS.map(() => value));
const table = fc.record({
  composite: fc.boolean(),
  // `k`: a key column named like a short output alias (ORDER BY binds a name to an alias first).
  keyName: fc.constantFrom('id', 'k'),
  jsonl: fc.boolean(),
  rows: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 60 }), rowArb), { minLength: 1, maxLength: 40, selector: (r) => r[0] }),
  edits: fc.array(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.constantFrom('modify', 'remove', 'add'), rowArb), { maxLength: 12 }),
  shuffle: fc.integer({ min: 0, max: 1000 }),
});

type Row = [number, (string | null)[]];
const csvField = (v: string | null) => (v === null ? '' : /[",\t ;]|^$|^NULL$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
function fileText(rows: Row[], { composite, jsonl, keyName }: { composite: boolean; jsonl: boolean; keyName: string }): string {
  const keyOf = (id: number) => (composite ? { k1: `k${id % 7}`, k2: id } : { [keyName]: id });
  if (jsonl)
    return rows.map(([id, vs]) => `${JSON.stringify({ ...keyOf(id), ...Object.fromEntries(COLS.map((c, i) => [c, vs[i]])) })}\n`).join('');
  const head = [...Object.keys(keyOf(0)), ...COLS].map((c) => csvField(c)).join(',');
  return `${head}\n${rows.map(([id, vs]) => [...Object.values(keyOf(id)).map(String), ...vs.map(csvField)].join(',')).join('\n')}\n`;
}

describe('workfile', () => {
  it(`workfile property: a patched working file holds a full rewrite's rows in the file's own order (${RUNS} cases)`, async () => {
    let patched = 0;
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        const file = t.jsonl ? 'orders.jsonl' : 'orders.csv';
        const key = t.composite ? ['k1', 'k2'] : [t.keyName];
        // A random file order for the first version (the file is the user's, not sorted).
        const v1: Row[] = [...t.rows].sort((a, b) => ((a[0] * 7919 + t.shuffle) % 61) - ((b[0] * 7919 + t.shuffle) % 61) || a[0] - b[0]);
        const v2: Row[] = v1.map(([id, vs]) => [id, [...vs]]);
        for (const [id, op, vs] of t.edits) {
          const at = v2.findIndex((r) => r[0] === id);
          if (op === 'add' && at < 0) v2.push([id, vs]);
          else if (op === 'modify' && at >= 0) v2[at] = [id, vs];
          else if (op === 'remove' && at >= 0 && v2.length > 1) v2.splice(at, 1);
        }
        await using repo = await newRepo({ [file]: fileText(v1, t) });
        const a = await api(repo);
        await a.add({ paths: [file], cwd: repo.dir, key });
        await a.commit({ message: 'v1' });
        await repo.write(file, fileText(v2, t));
        await a.commit({ message: 'v2', all: true, allowEmpty: true });
        const engine = await Engine.get();
        const ids = async (f: string, columns: Parameters<typeof readerSql>[2]) =>
          (await engine.all(`SELECT ${rowText(key)} AS k FROM ${readerSql(f, t.jsonl ? 'jsonl' : 'csv', columns)}`)).map((r) =>
            String(r.k),
          );
        // Hop to the first commit and back, twice: each hop patches the file the previous one wrote, the
        // line index gathering an overlay (dead slots, appended slots) until it is folded into a new base.
        const ctx = a.ctx;
        const headManifest = async () =>
          readManifest(ctx, (await readTableTree(ctx, await ctx.git.resolveRef('HEAD'))).tables.get('orders')!);
        for (const target of ['HEAD~1', 'main', 'HEAD~1', 'main']) {
          const prev = await headManifest();
          const before = await ids(repo.path(file), prev.columns);
          await a.checkout({ target });
          const m = await headManifest();
          // A schema change is written whole, in key order (docs/cli.md).
          const reshaped = JSON.stringify(prev.columns) !== JSON.stringify(m.columns);
          const full = repo.path(`../full-${process.pid}${t.jsonl ? '.jsonl' : '.csv'}`);
          await writeSnapshot(engine, new TableSnapshot(m, ctx.chunks), full, m.source.format);
          try {
            const rows = (f: string) => `SELECT * FROM ${readerSql(f, m.source.format, m.columns)}`;
            const differ = await engine.value(`SELECT count(*) FROM ((${rows(repo.path(file))} EXCEPT ALL ${rows(full)})
              UNION ALL (${rows(full)} EXCEPT ALL ${rows(repo.path(file))}))`);
            expect(Number(differ), target).toBe(0);
            // Order: kept keys in the old file's order, then new keys in key order (the full rewrite's order).
            const inFull = await ids(full, m.columns);
            const kept = before.filter((k) => inFull.includes(k));
            const expected = reshaped ? inFull : [...kept, ...inFull.filter((k) => !before.includes(k))];
            expect(await ids(repo.path(file), m.columns), target).toEqual(expected);
          } finally {
            await fsp.rm(full, { force: true });
          }
          const st = await a.status();
          expect(
            st.tables.map((x) => ({ ...x.staged, ...x.unstaged })),
            target,
          ).toEqual([{ added: 0, removed: 0, modified: 0 }]);
          const entry = (await ctx.staging.read()).tables.orders;
          if (entry.lines) patched++;
        }
        // `commit -a` reads the patched file through the same index (src/table/linedelta.ts lineDelta):
        // writing v1 back must commit exactly v1's rows.
        await repo.write(file, fileText(v1, t));
        await a.commit({ message: 'v1 again', all: true, allowEmpty: true });
        const m = await headManifest();
        const committed = `SELECT * FROM (${new TableSnapshot(m, ctx.chunks).sql()})`;
        const inFile = `SELECT * FROM ${readerSql(repo.path(file), m.source.format, m.columns)}`;
        const differ = await engine.value(
          `SELECT count(*) FROM ((${committed} EXCEPT ALL ${inFile}) UNION ALL (${inFile} EXCEPT ALL ${committed}))`,
        );
        expect(Number(differ), 'commit -a after patches').toBe(0);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Most cases take the patch path (files whose lines and rows differ, or a schema change, do not).
    expect(patched).toBeGreaterThan(2 * RUNS);
  }, 600_000);

  // Keyless tables (#16 defect 11): every rewrite of the file keeps it as the user ordered it.
  // Property, over random keyless tables drawn from a small pool of rows (so duplicates are common)
  // and random edits (removals anywhere, insertions anywhere), in CSV and JSON Lines: after each
  // `checkout` hop the file holds exactly the multiset a full rewrite of that commit holds; the old
  // file's rows that remain (for a row with fewer copies in the target, its first copies in file
  // order) come first, in their order and with their bytes, then the other rows in the full
  // rewrite's order; `status` is clean. Oracle: the file's rows before the hop, read with the
  // target's types, and the full rewrite, compared in plain TypeScript. A file that does not read
  // with the target's types (a column changed type) is written whole.
  const keyless = fc.record({
    jsonl: fc.boolean(),
    pool: fc.array(rowArb, { minLength: 1, maxLength: 6 }),
    v1: fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
    edits: fc.array(fc.tuple(fc.constantFrom('remove', 'insert'), fc.nat(), fc.nat()), { maxLength: 10 }),
  });
  const keylessText = (rows: (string | null)[][], jsonl: boolean): string =>
    jsonl
      ? rows.map((vs) => `${JSON.stringify(Object.fromEntries(COLS.map((c, i) => [c, vs[i]])))}\n`).join('')
      : `${COLS.map(csvField).join(',')}\n${rows.map((vs) => `${vs.map(csvField).join(',')}\n`).join('')}`;

  it(`workfile property: a keyless working file keeps its rows' order through checkout (${RUNS} cases)`, async () => {
    let inPlace = 0;
    await fc.assert(
      fc.asyncProperty(keyless, async (t) => {
        const file = t.jsonl ? 'k.jsonl' : 'k.csv';
        const format = t.jsonl ? 'jsonl' : 'csv';
        const v1 = t.v1.map((i) => t.pool[i % t.pool.length]);
        const v2 = [...v1];
        for (const [op, at, row] of t.edits) {
          if (op === 'insert') v2.splice(at % (v2.length + 1), 0, t.pool[row % t.pool.length]);
          else if (v2.length > 1) v2.splice(at % v2.length, 1);
        }
        await using repo = await newRepo({ [file]: keylessText(v1, t.jsonl) });
        const a = await api(repo);
        await a.add({ paths: [file], cwd: repo.dir, keyless: true });
        const c1 = commitMade(await a.commit({ message: 'v1' })).oid;
        await repo.write(file, keylessText(v2, t.jsonl));
        const c2 = commitMade(await a.commit({ message: 'v2', all: true, allowEmpty: true })).oid;
        const engine = await Engine.get();
        const ctx = a.ctx;
        const texts = async (f: string, m: Manifest) =>
          (await engine.all(`SELECT ${rowText(names(m.columns))} AS t FROM ${readerSql(f, format, m.columns)}`)).map((r) => String(r.t));
        const dataLines = async (f: string) => (await fsp.readFile(f, 'utf8')).split('\n').slice(t.jsonl ? 0 : 1, -1);
        for (const target of [c1, c2]) {
          const m = await readManifest(ctx, (await readTableTree(ctx, target)).tables.get('k')!);
          // The file's rows before the hop, as the target's types read them (undefined: they do not).
          const before = await texts(repo.path(file), m).catch(() => undefined);
          const oldLines = await dataLines(repo.path(file));
          await a.checkout({ target });
          const full = repo.path(`../full-${process.pid}.${format}`);
          await writeSnapshot(engine, new TableSnapshot(m, ctx.chunks), full, m.source.format);
          try {
            const rows = (f: string) => `SELECT * FROM ${readerSql(f, m.source.format, m.columns)}`;
            const differ = await engine.value(`SELECT count(*) FROM ((${rows(repo.path(file))} EXCEPT ALL ${rows(full)})
              UNION ALL (${rows(full)} EXCEPT ALL ${rows(repo.path(file))}))`);
            expect(Number(differ), 'multiset').toBe(0);
            const inFull = await texts(full, m);
            const now = await texts(repo.path(file), m);
            if (!before) expect(now, 'written whole').toEqual(inFull);
            else {
              const left = new Map<string, number>();
              for (const x of inFull) left.set(x, (left.get(x) ?? 0) + 1);
              const take = (x: string) => {
                if ((left.get(x) ?? 0) === 0) return false;
                left.set(x, left.get(x)! - 1);
                return true;
              };
              const keptAt = before.flatMap((x, i) => (take(x) ? [i] : []));
              const appended = inFull.filter(take);
              expect(now, 'order').toEqual([...keptAt.map((i) => before[i]), ...appended]);
              expect((await dataLines(repo.path(file))).slice(0, keptAt.length), 'kept bytes').toEqual(keptAt.map((i) => oldLines[i]));
              inPlace++;
            }
          } finally {
            await fsp.rm(full, { force: true });
          }
          const st = await a.status();
          expect(
            st.tables.map((x) => ({ ...x.staged, ...x.unstaged })),
            'status',
          ).toEqual([{ added: 0, removed: 0, modified: 0 }]);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // Most hops keep the file's order (a column that changes type is written whole).
    expect(inPlace).toBeGreaterThan(RUNS);
  }, 600_000);
});
