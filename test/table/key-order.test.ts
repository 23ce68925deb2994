import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteIdent } from '../../src/engine/quote.js';
import { DuplicateKey } from '../../src/errors.js';
import { validateKey } from '../../src/table/changes.js';
import type { Column } from '../../src/table/schema.js';

// `add` loads a file in file order and asks `validateKey(..., fileOrder = true)` whether the keys
// already ascend strictly (then the rows are chunked without a sort); the check meets each row with
// the next by a POSITIONAL JOIN. Oracle, plain DuckDB SQL over a copy that numbers the rows: the keys
// in file order equal the keys sorted (and no key repeats, else `DuplicateKey`).

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.get();
});
afterAll(async () => {
  await engine.close();
});

// Odd names: the row's position must not come from a user column called rowid.
const NAMES = ['rowid', 'w', '__op', 'select', 'Ünï "k"'];
const TYPES: { type: string; value: fc.Arbitrary<number | string | boolean> }[] = [
  { type: 'BIGINT', value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-(2 ** 53), 2 ** 53)) },
  { type: 'VARCHAR', value: fc.constantFrom('', 'a', 'A', 'b', 'é', 'e\u0301', '🙂', 'a b', 'NULL') },
  { type: 'DECIMAL(10,2)', value: fc.constantFrom('-1.50', '0.00', '0.01', '2.00', '10.10') },
  { type: 'DATE', value: fc.constantFrom('1999-12-31', '2024-01-01', '2024-01-02', '0001-01-01') },
  { type: 'BOOLEAN', value: fc.boolean() },
];

const arbCase = fc
  .record({
    keyTypes: fc.array(fc.integer({ min: 0, max: TYPES.length - 1 }), { minLength: 1, maxLength: 3 }),
    name: fc.integer({ min: 0, max: NAMES.length - 1 }),
    rows: fc.integer({ min: 0, max: 40 }),
    order: fc.constantFrom('sorted', 'sorted-unique', 'shuffled', 'swap'),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      keys: fc.array(fc.tuple(...c.keyTypes.map((t) => TYPES[t].value)), { minLength: c.rows, maxLength: c.rows }),
      swap: fc.tuple(fc.nat(), fc.nat()),
    }),
  );

describe('validateKey: whether a file is already in key order (property)', () => {
  it('says sorted exactly when the keys in file order are the keys sorted and unique, as plain SQL says', async () => {
    let n = 0;
    let sorted = 0;
    let dups = 0;
    await fc.assert(
      fc.asyncProperty(arbCase, async ({ c, keys, swap }) => {
        n++;
        const columns: Column[] = c.keyTypes.map((t, i) => ({ name: i === 0 ? NAMES[c.name] : `k${i}`, type: TYPES[t].type }));
        const key = columns.map((col) => col.name);
        const q = (i: number) => quoteIdent(key[i]);
        // Load the rows into a numbered table, then order them as the case says.
        const src = `__lakegit_t_src_${n}`;
        await engine.run(
          `CREATE OR REPLACE TABLE ${src} (__pos INTEGER, ${columns.map((col, i) => `${q(i)} ${col.type}`).join(', ')}, payload VARCHAR)`,
        );
        if (keys.length) {
          const width = key.length + 2;
          const tuples = keys.map((_, r) => `(${Array.from({ length: width }, (_, i) => `$${r * width + i + 1}`).join(', ')})`);
          await engine.run(`INSERT INTO ${src} VALUES ${tuples.join(', ')}`, keys.flatMap((k, r) => [r, ...k, 'p']) as never);
        }
        const keyList = key.map(quoteIdent).join(', ');
        let order = '__pos';
        if (c.order === 'sorted') order = keyList;
        if (c.order === 'sorted-unique') {
          await engine.run(`DELETE FROM ${src} WHERE __pos NOT IN (SELECT min(__pos) FROM ${src} GROUP BY ${keyList})`);
          order = keyList;
        }
        if (c.order === 'swap' && keys.length > 1) {
          // Sorted and unique, then two rows trade places (which may or may not break the order).
          await engine.run(`DELETE FROM ${src} WHERE __pos NOT IN (SELECT min(__pos) FROM ${src} GROUP BY ${keyList})`);
          await engine.run(
            `UPDATE ${src} SET __pos = r FROM (SELECT __pos AS p, row_number() OVER (ORDER BY ${keyList}) AS r FROM ${src}) s WHERE __pos = s.p`,
          );
          const m = Number(await engine.value(`SELECT count(*) FROM ${src}`));
          const [a, b] = [(swap[0] % m) + 1, (swap[1] % m) + 1];
          await engine.run(`UPDATE ${src} SET __pos = CASE WHEN __pos = ${a} THEN ${b} WHEN __pos = ${b} THEN ${a} ELSE __pos END`);
        }
        // The work table: the rows in that order, its columns only (no position column to lean on).
        const work = `__lakegit_t_work_${n}`;
        await engine.run(`CREATE OR REPLACE TABLE ${work} AS SELECT ${keyList}, payload FROM ${src} ORDER BY ${order}, __pos`);
        const oracle = await engine.one(
          `SELECT count(*) AS rows, count(DISTINCT (${keyList})) AS keys,
             (SELECT list((${keyList}) ORDER BY ${order}, __pos) FROM ${src}) = (SELECT list((${keyList}) ORDER BY ${keyList}) FROM ${src}) AS ascends
           FROM ${src}`,
        );
        const rows = Number(oracle?.rows);
        const unique = rows === Number(oracle?.keys);
        const result = await validateKey(engine, work, [...columns, { name: 'payload', type: 'VARCHAR' }], key, 'f.csv', true).then(
          (s) => s,
          (e: unknown) => e,
        );
        if (!unique) {
          dups++;
          expect(result).toBeInstanceOf(DuplicateKey);
        } else {
          expect(result).toBe(rows === 0 || oracle?.ascends === true);
          if (result === true) sorted++;
        }
        await engine.run(`DROP TABLE ${src}; DROP TABLE ${work}`);
      }),
      { numRuns: 60, seed: 20261215 },
    );
    // Every outcome is exercised: already sorted, not sorted, and duplicate keys.
    console.log(`key order: ${n} cases, ${sorted} sorted, ${dups} with duplicate keys`);
    expect(sorted).toBeGreaterThan(10);
    expect(dups).toBeGreaterThan(10);
    expect(n - sorted - dups).toBeGreaterThan(10);
  });
});
