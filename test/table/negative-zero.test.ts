import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteLiteral } from '../../src/engine/quote.js';
import { tempRepo } from '../helpers.js';
import { json } from '../cli/merge-fixture.js';

// Values that compare equal yet differ: 0.0 and -0.0 in a FLOAT or DOUBLE, INTERVAL '1 month' and
// '30 days'. DuckDB's Parquet dictionary keeps one entry per group of equal values, so a chunk written
// with dictionaries stored a -0.0 beside a 0.0 as 0.0 (found 2026-12-06 by the chunking round-trip
// property, seed -1021123627); and a DECIMAL has no sign of zero, so "-0.0" read as one lost it.

/** Each row of `table` at `rev`, every column rendered as text by DuckDB, ordered by id. */
async function rendered(repo: Awaited<ReturnType<typeof tempRepo>>, query: string): Promise<string[][]> {
  const rows = await json<Record<string, string>[]>(repo, 'sql', query);
  return rows.value.map((r) => Object.values(r).map(String));
}

/** The encodings of a table's chunk files at HEAD, one list per chunk (`files --json` names them). */
async function chunkEncodings(dir: string): Promise<string[]> {
  const chunks = path.join(dir, '.lakegit', 'chunks');
  const engine = await Engine.get();
  const files = (await fsp.readdir(chunks)).filter((f) => f.endsWith('.parquet'));
  const out: string[] = [];
  for (const f of files) {
    out.push(
      String(await engine.value(`SELECT string_agg(DISTINCT encodings, ' ') FROM parquet_metadata(${quoteLiteral(path.join(chunks, f))})`)),
    );
  }
  return out;
}

describe('values that compare equal yet differ', () => {
  it('a CSV column of money-like decimals holding -0.0 is text, and keeps it (a DECIMAL would drop the sign)', async () => {
    await using repo = await tempRepo({ 'o.csv': 'id,amount\n0,0.0\n1,-0.0\n2,1.5\n' });
    await repo.ok('add', 'o.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    const rows = await rendered(repo, 'SELECT id, amount::VARCHAR AS a, typeof(amount) AS t FROM o@HEAD ORDER BY id');
    expect(rows).toEqual([
      ['0', '0.0', 'VARCHAR'],
      ['1', '-0.0', 'VARCHAR'],
      ['2', '1.5', 'VARCHAR'],
    ]);
  });

  it('a CSV DOUBLE column keeps -0.0 beside 0.0 through add, commit, fsck and a rewrite of the working file', async () => {
    await using repo = await tempRepo({ 'o.csv': 'id,x\n0,0.0\n1,-0.0\n2,1.25\n3,0.0\n' });
    await repo.ok('add', 'o.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    const rows = await rendered(repo, 'SELECT id, x::VARCHAR AS x, typeof(x) AS t, signbit(x)::VARCHAR AS s FROM o@HEAD ORDER BY id');
    expect(rows.map((r) => r.slice(1))).toEqual([
      ['0.0', 'DOUBLE', 'false'],
      ['-0.0', 'DOUBLE', 'true'],
      ['1.25', 'DOUBLE', 'false'],
      ['0.0', 'DOUBLE', 'false'],
    ]);
    expect(await repo.ok('fsck')).toContain(': ok');
    await fsp.rm(path.join(repo.dir, 'o.csv'));
    await repo.ok('reset', '--hard', 'HEAD');
    expect(await fsp.readFile(path.join(repo.dir, 'o.csv'), 'utf8')).toBe('id,x\n0,0.0\n1,-0.0\n2,1.25\n3,0.0\n');
  });

  it('a tracked DECIMAL column that gains -0.00 widens to text instead of losing the sign', async () => {
    await using repo = await tempRepo({ 'q.csv': 'id,amount\n0,0.50\n1,1.25\n' });
    await repo.ok('add', 'q.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'q');
    await fsp.writeFile(path.join(repo.dir, 'q.csv'), 'id,amount\n0,0.50\n1,-0.00\n');
    await repo.ok('commit', '-a', '-m', 'negative zero');
    const rows = await rendered(repo, 'SELECT amount::VARCHAR AS a, typeof(amount) AS t FROM q@HEAD ORDER BY id');
    expect(rows).toEqual([
      ['0.50', 'VARCHAR'],
      ['-0.00', 'VARCHAR'],
    ]);
  });

  it('a Parquet table keeps every float zero and interval through commit and a rewrite of the Parquet working file', async () => {
    await using repo = await tempRepo({});
    const file = path.join(repo.dir, 'p.parquet');
    const engine = await Engine.get();
    // Thousands of rows of three values each: enough for DuckDB's default writer to choose dictionaries.
    const pick = (a: string, b: string, c: string) => `CASE i % 3 WHEN 0 THEN ${a} WHEN 1 THEN ${b} ELSE ${c} END`;
    const [zero, minus, half] = ['0.0::DOUBLE', '-(0.0::DOUBLE)', '1.5::DOUBLE'];
    await engine.run(`COPY (SELECT i AS id, ${pick(zero, minus, half)} AS d, ${pick('0.0::FLOAT', '-(0.0::FLOAT)', '2.5::FLOAT')} AS f,
        ${pick(`[${zero}]`, `[${minus}]`, `[${half}]`)} AS l, ${pick(`{'a': ${zero}}`, `{'a': ${minus}}`, `{'a': ${half}}`)} AS s,
        ${pick("INTERVAL '1 month'", "INTERVAL '30 days'", "INTERVAL '720 hours'")} AS i
      FROM range(3000) t(i)) TO ${quoteLiteral(file)} (FORMAT parquet, DICTIONARY_SIZE_LIMIT 0)`);
    const query = (rel: string) =>
      `SELECT d::VARCHAR, f::VARCHAR, l::VARCHAR, s::VARCHAR, i::VARCHAR, count(*) FROM ${rel} GROUP BY ALL ORDER BY ALL`;
    const source = (await engine.all(query(`read_parquet(${quoteLiteral(file)})`))).map((r) => Object.values(r).map(String));
    expect(source).toHaveLength(3);
    await repo.ok('add', 'p.parquet', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    expect(await rendered(repo, query('p@HEAD'))).toEqual(source);
    expect(await repo.ok('fsck')).toContain(': ok');
    await fsp.rm(file);
    await repo.ok('reset', '--hard', 'HEAD');
    expect((await engine.all(query(`read_parquet(${quoteLiteral(file)})`))).map((r) => Object.values(r).map(String))).toEqual(source);
  });

  it('only a chunk with a negative zero is written without dictionaries', async () => {
    const rows = (zero: string) => Array.from({ length: 50 }, (_, i) => `${i},${i % 5 === 0 ? zero : '1.25'}`).join('\n');
    await using plain = await tempRepo({ 'o.csv': `id,x\n${rows('0.0')}\n50,-0.0\n` });
    await using dict = await tempRepo({ 'o.csv': `id,x\n${rows('0.0')}\n50,0.5\n` });
    for (const repo of [plain, dict]) {
      await repo.ok('add', 'o.csv', '--key', 'id');
      await repo.ok('commit', '-m', 'load');
    }
    expect(await chunkEncodings(plain.dir)).toEqual([expect.not.stringContaining('DICTIONARY')]);
    expect(await chunkEncodings(dict.dir)).toEqual([expect.stringContaining('DICTIONARY')]);
  });
});
