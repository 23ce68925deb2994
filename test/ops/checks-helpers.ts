import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Repo } from '../../src/repo.js';
import { TEST_ENV } from '../helpers.js';

/**
 * For a describe block that drives the Repo API in this process: a temporary root for its
 * repositories and TEST_ENV (author, date, no colour) set while it runs; both undone after, and
 * DuckDB released. Returns the root, known once the block has started.
 */
export function apiSandbox(prefix: string): () => string {
  let root: string | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
    for (const [k, v] of Object.entries(TEST_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (root) await fsp.rm(root, { recursive: true, force: true });
    await Repo.close();
  });
  return () => root!;
}

/** Rows by `id` after edits: each edit removes its id or sets it to the value drawn at the same position. */
export function applyEdits<R extends { id: number }>(rows: R[], edits: [number, boolean][], values: R[]): R[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  edits.forEach(([id, remove], i) => {
    if (remove) byId.delete(id);
    else byId.set(id, { ...values[i], id });
  });
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
