import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteIdent } from '../../src/engine/quote.js';
import { loadFile } from '../../src/table/files.js';
import { readerSql } from '../../src/table/reader-sql.js';
import { exactTypes } from '../../src/table/infer.js';
import { provenLoadSql } from '../../src/table/proven-load.js';
import type { Column } from '../../src/table/schema.js';

// A delimited file's first load reads it once (`provenLoadSql`): numeric columns as the type the
// canonical pass would give them, every value checked on the way in. Oracle: the two reads it
// replaces, with the full feature analysis for the types (`exactTypes(..., canonical = false)`) and
// the strict typed reader for the rows. Files with only canonical values take the one read; a file
// with any other value (leading zeros, a third fraction digit, an exponent, '-0', text) must fall
// back and still give the oracle's types and values.

let engine: Engine;
let dir: string;
beforeAll(async () => {
  engine = await Engine.get();
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-proven-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
  await engine.close();
});

const ROWS = 2600; // past the 2,048 rows the scale is read from
const odd = fc.constantFrom(
  '007',
  '-0',
  '+3',
  ' 4',
  '1e3',
  '12.345',
  '0.5',
  '-0.05',
  '-0.00',
  '99999999999999999999',
  '1.10',
  '""',
  'x',
  '5',
);
const arbColumn = fc.record({
  kind: fc.constantFrom('int', 'money', 'text', 'time'),
  odds: fc.array(fc.tuple(fc.integer({ min: 0, max: ROWS - 1 }), odd), { maxLength: 2 }),
  nulls: fc.boolean(),
});
type Spec = typeof arbColumn extends fc.Arbitrary<infer S> ? S : never;

function value(c: Spec, r: number): string {
  const hit = c.odds.find(([at]) => at === r);
  if (hit && c.kind !== 'text') return hit[1];
  if (c.nulls && r % 7 === 3) return '';
  const n = ((r * 7919) % 20011) - 10000;
  switch (c.kind) {
    case 'int':
      return String(n * 1000003);
    case 'money':
      return `${n < 0 ? '-' : ''}${Math.trunc(Math.abs(n) / 100)}.${String(Math.abs(n) % 100).padStart(2, '0')}`;
    case 'text':
      return `"t ${n}, ""q"""`;
    case 'time':
      return `2024-01-${String(1 + (r % 28)).padStart(2, '0')} 10:${String(r % 60).padStart(2, '0')}:00`;
  }
}

describe('loadFile: the one-read first load (property)', () => {
  it('gives the types and values of the inference pass and the strict typed load, taking the one read for canonical files', async () => {
    let run = 0;
    let oneRead = 0;
    let fellBack = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arbColumn, { minLength: 1, maxLength: 3 }), async (spec) => {
        const rows = Array.from({ length: ROWS }, (_, r) => [String(r), ...spec.map((c) => value(c, r))].join(','));
        const name = `p-${++run}.csv`;
        const file = path.join(dir, name);
        await fsp.writeFile(file, `id,${spec.map((_, i) => `c${i}`).join(',')}\n${rows.join('\n')}\n`);
        const reader = (cols?: readonly Column[]) => readerSql(file, 'csv', cols);
        const sniffed = (await engine.all(`DESCRIBE SELECT * FROM ${reader()}`)).map((r) => ({
          name: String(r.column_name),
          type: String(r.column_type),
        }));
        // Which way this file goes (the one read succeeds, or the caller falls back).
        const proven = await provenLoadSql(engine, reader, sniffed);
        const probe = proven && engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(`p_${run}`)} AS SELECT * FROM ${proven.sql}`);
        const took = probe
          ? await probe.then(
              () => true,
              () => false,
            )
          : false;
        if (took) oneRead++;
        else fellBack++;

        const oracleTypes = await exactTypes(engine, reader, 'csv', sniffed, undefined, false);
        const columns = await loadFile(engine, file, name, 'csv', quoteIdent(`w_${run}`));
        expect(columns).toEqual(oracleTypes);
        await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(`o_${run}`)} AS SELECT * FROM ${readerSql(file, 'csv', oracleTypes)}`);
        for (const [a, b] of [
          [`w_${run}`, `o_${run}`],
          [`o_${run}`, `w_${run}`],
        ]) {
          const n = await engine.value(`SELECT count(*) FROM (SELECT * FROM ${quoteIdent(a)} EXCEPT ALL SELECT * FROM ${quoteIdent(b)})`);
          expect(Number(n)).toBe(0);
        }
        // Numbers read back as the file's text where the type is exact (integers and fixed-scale decimals).
        for (const c of columns.filter((x) => /^(BIGINT|DECIMAL\(18,\d+\))$/.test(x.type))) {
          const q = quoteIdent(c.name);
          const text = `SELECT ${q} AS v FROM ${reader(sniffed.map((s) => ({ name: s.name, type: 'VARCHAR' })))}`;
          const back = `SELECT CAST(${q} AS VARCHAR) AS v FROM ${quoteIdent(`w_${run}`)}`;
          expect(Number(await engine.value(`SELECT count(*) FROM ((${text}) EXCEPT ALL (${back}))`))).toBe(0);
        }
        await engine.run(`DROP TABLE ${quoteIdent(`w_${run}`)}`);
        await engine.run(`DROP TABLE ${quoteIdent(`o_${run}`)}`);
        await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(`p_${run}`)}`);
      }),
      { numRuns: 12, seed: 20261207 },
    );
    // The generator reaches both ways.
    console.log(`one read: ${oneRead}, fell back: ${fellBack}`);
    expect(oneRead).toBeGreaterThanOrEqual(3);
    expect(fellBack).toBeGreaterThanOrEqual(3);
  }, 180_000);
});
