import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';

// A working file's patch runs its statements on one DuckDB thread (src/ops/workfile.ts): the
// setting holds inside and is put back after, also when the work fails.
const threads = async (e: Engine) => Number(await e.value("SELECT current_setting('threads')"));

describe('Engine.withThreads', () => {
  afterAll(async () => (await Engine.get()).close());

  it('runs the work on that many threads and puts the setting back, also after a failure', async () => {
    const e = await Engine.get();
    await e.run('SET threads = 2');
    expect(await e.withThreads(1, () => threads(e))).toBe(1);
    expect(await threads(e)).toBe(2);
    await expect(e.withThreads(1, () => e.run('SELECT * FROM no_such_table'))).rejects.toThrow(/no_such_table/);
    expect(await threads(e)).toBe(2);
    expect(await e.withThreads(2, () => threads(e))).toBe(2);
  });
});
