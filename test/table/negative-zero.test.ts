import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers.js';
import { json } from '../cli/merge-fixture.js';

// KNOWN BUG, open (found 2026-12-06 by the chunking round-trip property, seed -1021123627): DuckDB's
// Parquet writer dictionary-encodes a DOUBLE column and its dictionary takes -0.0 and 0.0 for one
// value, so a -0.0 beside a 0.0 is stored as 0.0 (DICTIONARY_SIZE_LIMIT 0 keeps it; every other
// writer option tried does not). The chunk's id was computed from the rows before the write, so the
// stored rows no longer match it. `it.fails` pins the bug: when the chunk writer keeps -0.0, this
// test turns red and `.fails` must go.
describe('a DOUBLE column holding 0.0 and -0.0', () => {
  it.fails('keeps the sign of zero through add, commit and a read of the commit', async () => {
    await using repo = await tempRepo({ 'o.csv': 'id,amount\n0,0.0\n1,-0.0\n2,1.5\n' });
    await repo.ok('add', 'o.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    const rows = await json<{ id: number; a: string }[]>(repo, 'sql', 'SELECT id, amount::VARCHAR AS a FROM o@HEAD ORDER BY id');
    expect(rows.value.map((r) => r.a)).toEqual(['0.0', '-0.0', '1.5']);
  });
});
