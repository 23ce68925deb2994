import { afterAll, beforeAll, expect } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { Repo } from '../../src/repo.js';
import { TEST_ENV } from '../helpers.js';

/**
 * The suite runs test files one after another in the same worker processes (`isolate: false` in
 * vitest.config.ts: a file then costs no new process, module load and DuckDB load, ~1.3 s of CPU).
 * Shared modules are loaded once per worker, so what their loading did for one file is done here for
 * every file (the fixed test identity and date), and what a file may change for the files after it
 * is put back after it: the environment (tests set dates and S3 settings in process.env) and the
 * in-process DuckDB (its tables, the hook of the last repository opened), closed and opened again
 * on first use.
 */
Object.assign(process.env, TEST_ENV);
const env = { ...process.env };

/**
 * In a CLI scenario file the worker's DuckDB only sets up repositories and reads results back: the
 * verbs under test run in CLI processes, on DuckDB's default threads. On one thread that work takes
 * the same statements and writes the same chunks (a chunk's bytes do not depend on the lanes,
 * chunker.ts), for ~30% less CPU; the multi-lane paths are tested in-process by test/table and test/ops.
 */
beforeAll(async () => {
  if (/[\\/]test[\\/]cli[\\/]/.test(expect.getState().testPath ?? '')) await (await Engine.get()).run('SET threads = 1');
});

afterAll(async () => {
  await Repo.close();
  Engine.beforeQuery = undefined;
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  Object.assign(process.env, env);
});
