import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/db.js';
import type { TableDiff } from '../../../src/ops/diff/index.js';
import { jsonTuning } from '../../../src/ops/diff/json-text.js';
import { rangeTuning } from '../../../src/ops/diff/ranges.js';
import type { Column } from '../../../src/table/schema.js';
import { chunkFixture, type Row } from '../diff-fixture.js';

// A diff of many rows as JSON pairs the two sides' rows by position (POSITIONAL JOIN, no sort)
// where both sides are base chunks that may hold the same keys in the same order. The text must be
// byte for byte the streamed path's (a full outer join sorted by key), also when the keys turn out
// not to pair up and the range falls back to the join.

const COLUMNS: Column[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'name', type: 'VARCHAR' },
  { name: 'n', type: 'INTEGER' },
];

const rows = (ids: number[], v: number): Row[] => ids.map((id) => ({ id, name: `r${id} é 🙂`, n: id * 10 + v }));
const ids = (from: number, to: number, step = 1) => Array.from({ length: Math.floor((to - from) / step) }, (_, i) => from + i * step);

/** The JSON text of a table diff, as pieces joined, with the statements DuckDB ran for it. */
async function jsonOf(t: TableDiff, fileRows: number, limit?: number): Promise<{ text: string; statements: string[] }> {
  const statements: string[] = [];
  const saved = { ...jsonTuning, hook: Engine.beforeQuery };
  jsonTuning.fileRows = fileRows;
  jsonTuning.block = 50; // shorter than a line: lines cut across reads
  Engine.beforeQuery = async (sql) => void statements.push(sql);
  try {
    let text = '';
    for await (const piece of t.jsonText({ limit })) text += typeof piece === 'string' ? piece : Buffer.from(piece).toString('utf8');
    return { text, statements };
  } finally {
    Object.assign(jsonTuning, { fileRows: saved.fileRows, block: saved.block });
    Engine.beforeQuery = saved.hook;
  }
}

const positional = (statements: string[]) => statements.filter((s) => s.includes('POSITIONAL JOIN')).length;
const joined = (statements: string[]) => statements.filter((s) => s.startsWith('COPY') && s.includes('FULL OUTER JOIN')).length;

describe('diff: aligned JSON text', () => {
  it('pairs rows by position per key range when every row changed, the same text as the sorted join', async () => {
    await using fx = await chunkFixture();
    const saved = rangeTuning.rows;
    rangeTuning.rows = 40;
    try {
      const keys = ids(1, 400, 3);
      const a = await fx.fresh(COLUMNS, ['id'], rows(keys, 0));
      // every row changed but a stretch in the middle: some ranges have nothing to write
      const b = await fx.fresh(
        COLUMNS,
        ['id'],
        rows(keys, 1).map((r, i) => (i >= 40 && i < 90 ? rows([keys[i]], 0)[0] : r)),
      );
      const td = await fx.compare(fx.side(a), fx.side(b));
      const streamed = await jsonOf(td, Infinity);
      const file = await jsonOf(td, 0);
      expect(file.text).toBe(streamed.text);
      expect(file.text.split('\n')).toHaveLength(keys.length - 50);
      expect(positional(file.statements)).toBeGreaterThan(1);
      expect(joined(file.statements)).toBe(0);
      // a limit stops in the middle of a range, at the same row
      for (const limit of [1, 57]) expect((await jsonOf(td, 0, limit)).text).toBe((await jsonOf(td, Infinity, limit)).text);
    } finally {
      rangeTuning.rows = saved;
    }
  });

  it('falls back to the join where the sides hold as many rows but other keys', async () => {
    await using fx = await chunkFixture();
    const saved = rangeTuning.rows;
    rangeTuning.rows = 1_000_000; // one range: its row counts agree, its keys do not
    try {
      const keys = ids(1, 300);
      const other = [...keys.filter((k) => k !== 150), 1000];
      const a = await fx.fresh(COLUMNS, ['id'], rows(keys, 0));
      const b = await fx.fresh(COLUMNS, ['id'], rows(other, 1));
      const td = await fx.compare(fx.side(a), fx.side(b));
      expect(await td.stats()).toEqual({ added: 1, removed: 1, modified: keys.length - 1 });
      const streamed = await jsonOf(td, Infinity);
      const file = await jsonOf(td, 0);
      expect(file.text).toBe(streamed.text);
      expect(file.text).toContain('{"op":"removed","key":{"id":150}');
      expect(file.text).toContain('{"op":"added","key":{"id":1000}');
      expect(positional(file.statements)).toBe(1);
      expect(joined(file.statements)).toBe(1);
    } finally {
      rangeTuning.rows = saved;
    }
  });

  it('does not pair by position when a side has change chunks (not in key order as read)', async () => {
    await using fx = await chunkFixture();
    const keys = ids(1, 200);
    const a = await fx.fresh(COLUMNS, ['id'], rows(keys, 0));
    const b = await fx.stage(a, COLUMNS, [...rows(keys.slice(0, 5), 1), ...rows(keys.slice(5), 0)]);
    expect(b.deltas.length).toBeGreaterThan(0);
    const td = await fx.compare(fx.side(a), fx.side(b));
    const file = await jsonOf(td, 0);
    expect(file.text).toBe((await jsonOf(td, Infinity)).text);
    expect(positional(file.statements)).toBe(0);
  });
});
