import { afterAll } from 'vitest';
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

afterAll(async () => {
  await Repo.close();
  Engine.beforeQuery = undefined;
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  Object.assign(process.env, env);
});
