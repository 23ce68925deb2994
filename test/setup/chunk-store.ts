import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { ChunkStore } from '../../src/store/chunks.js';

/** The in-process DuckDB and a temporary directory with an empty chunk store (`<dir>/chunks`) in it. */
export interface TempChunkStore {
  engine: Engine;
  dir: string;
  store: ChunkStore;
}

/**
 * For a test file of the table layer: made before its first test, the directory removed after its
 * last (the in-process DuckDB is closed after every file by per-file.ts). The fields are set when
 * the file's tests run, so read them there, not at the file's top level.
 */
export function useTempChunkStore(name: string): Readonly<TempChunkStore> {
  const fixture = {} as TempChunkStore;
  beforeAll(async () => {
    fixture.engine = await Engine.get();
    fixture.dir = await fsp.mkdtemp(path.join(os.tmpdir(), `lakegit-${name}-`));
    fixture.store = new ChunkStore(path.join(fixture.dir, 'chunks'));
    await fsp.mkdir(fixture.store.dir);
  });
  afterAll(() => fsp.rm(fixture.dir, { recursive: true, force: true }));
  return fixture;
}
