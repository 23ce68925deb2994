import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteLiteral } from '../../src/engine/quote.js';
import { rewriteDiffers } from '../../src/ops/chunkcheck.js';
import { PARQUET_OPTIONS, PARQUET_OPTIONS_BEFORE } from '../../src/table/parquet-options.js';

// fsck's rewrite check (src/ops/chunkcheck.ts) compares a chunk with a fresh write of its rows. The
// writer options changed (a smaller dictionary limit): chunks written before must still pass, and a
// chunk that matches neither the options of now nor those of before must still be reported.

let engine: Engine;
let dir: string;
beforeAll(async () => {
  engine = await Engine.get();
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-chunkcheck-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
  await engine.close();
});

// 8,000 distinct values in a row group: a dictionary under the options of before, plain under today's.
const ROWS = `SELECT i AS id, 'v' || (i % 8000) AS mid, i % 7 AS low FROM range(70000) t(i)`;
const write = async (name: string, options: string) => {
  const file = path.join(dir, name);
  await engine.run(`COPY (${ROWS}) TO ${quoteLiteral(file)} (${options})`);
  return file;
};

describe('rewriteDiffers: chunks written with the options of now and of before', () => {
  it('passes both, and still reports a file that is a rewrite under neither', async () => {
    const now = await write('now.parquet', PARQUET_OPTIONS);
    const before = await write('before.parquet', PARQUET_OPTIONS_BEFORE[0]);
    // The two option sets give different bytes for these rows, so the second comparison is exercised.
    expect((await fsp.readFile(now)).equals(await fsp.readFile(before))).toBe(false);
    expect(await rewriteDiffers(engine, now)).toBe(false);
    expect(await rewriteDiffers(engine, before)).toBe(false);
    // Same rows, row groups and codec, other bytes (another zstd level): what damaged statistics look like to the check.
    const other = await write('other.parquet', `${PARQUET_OPTIONS}, COMPRESSION_LEVEL 1`);
    expect(await rewriteDiffers(engine, other)).toBe(true);
  });
});
