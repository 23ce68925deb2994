import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { Repo } from '../../src/repo.js';
import { TEST_ENV, tempRepo } from '../helpers.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

// Status and commit -a against a model: random edits to a CSV (updates, inserts, deletes, moved
// lines, numbers written differently) must be counted exactly, and committed exactly, whichever
// path stages them (the line index or a full read).
Object.assign(process.env, TEST_ENV);

type Model = Map<number, { qty: number; price: number; note: string }>;

const formats = [(x: number) => String(x), (x: number) => x.toFixed(2), (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x))];

function render(model: Model, order: number[], style: number): string {
  const f = formats[style % formats.length];
  const quote = (s: string) => (s === '' || /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s); // an empty unquoted field is NULL
  return `id,qty,price,note\n${order
    .map((id) => {
      const r = model.get(id)!;
      return `${id},${r.qty},${f(r.price)},${quote(r.note)}`;
    })
    .join('\n')}\n`;
}

const arbEdit = fc.record({
  updates: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 50 })), { maxLength: 6 }),
  inserts: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }),
  deletes: fc.array(fc.nat(), { maxLength: 6 }),
  notes: fc.array(fc.tuple(fc.nat(), fc.constantFrom('plain', 'with, comma', 'say "hi"', 'two\nlines', '')), { maxLength: 2 }),
  shuffle: fc.integer(),
  style: fc.nat(),
});

describe('staging against a model', () => {
  it('status counts and commit -a rows match a model of random edits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 150, size: 'max' }),
        fc.array(arbEdit, { minLength: 1, maxLength: 4 }),
        async (start, edits) => {
          await using repo = await tempRepo({}, false);
          const model: Model = new Map(start.map((id) => [id, { qty: id % 7, price: (id % 13) + 0.25, note: `n${id}` }]));
          await repo.write('t.csv', render(model, [...model.keys()], 0));
          const api = (await Repo.init(repo.dir)) as Repo;
          await api.add({ paths: ['t.csv'], cwd: repo.dir, key: ['id'] });
          await api.commit({ message: 'start' });
          for (const e of edits) {
            const before = new Map([...model].map(([k, v]) => [k, { ...v }]));
            const ids = [...model.keys()];
            for (const [i, qty] of e.updates) if (ids.length) model.get(ids[i % ids.length])!.qty = qty;
            for (const [i, note] of e.notes) if (ids.length) model.get(ids[i % ids.length])!.note = note;
            for (const i of e.deletes) if (ids.length) model.delete(ids[i % ids.length]);
            for (const id of e.inserts) if (!model.has(id)) model.set(id, { qty: 1, price: 9.5, note: 'new' });
            const order = [...model.keys()].sort((a, b) => ((a * 7919 + e.shuffle) % 401) - ((b * 7919 + e.shuffle) % 401));
            await repo.write('t.csv', render(model, order, e.style));
            const expected = {
              added: [...model.keys()].filter((k) => !before.has(k)).length,
              removed: [...before.keys()].filter((k) => !model.has(k)).length,
              modified: [...model].filter(([k, v]) => before.has(k) && JSON.stringify(before.get(k)) !== JSON.stringify(v)).length,
            };
            const st = await api.status();
            expect(st.tables[0].unstaged).toEqual(expected);
            const changed = expected.added + expected.removed + expected.modified > 0;
            if (changed) await api.commit({ message: 'edit', all: true });
            const engine = await Engine.get();
            const out = repo.path('back.parquet');
            await api.export('t@HEAD', out);
            // price may be inferred as DECIMAL (its values have fixed fraction digits): compared as numbers.
            const rows = await engine.all(`SELECT id, qty, price::DOUBLE AS price, note FROM read_parquet('${out}') ORDER BY id`);
            await fsp.rm(out);
            expect(rows).toEqual([...model].sort((a, b) => a[0] - b[0]).map(([id, r]) => ({ id, ...r })));
          }
          expect((await api.fsck()).problems).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
