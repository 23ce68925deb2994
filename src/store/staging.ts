import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from './fsutil.js';

/** What the working file looked like when its rows last matched the staged manifest. */
export interface FileStat { size: number; mtimeMs: number; ino: number; at: number }

export interface StagedTable {
  manifest: string;          // blob oid of the staged manifest
  file: string;              // working file, relative to the repository root
  stat?: FileStat;
  /** The line index of the working file (src/table/lineindex.ts), when it matches the staged rows. */
  lines?: { file: string; header: string; rows: number; duckdb: string; manifest: string };
}

export interface StagingIndex {
  version: 1;
  tables: Record<string, StagedTable>;
  config?: { blob: string; stat?: FileStat };   // lakegit.yaml
}

export const emptyIndex = (): StagingIndex => ({ version: 1, tables: {} });

/**
 * The staging area: which manifest each table would be committed with. Kept as one small JSON file
 * beside the git objects and replaced atomically; the manifests themselves are git blobs.
 */
export class StagingStore {
  constructor(readonly file: string) {}

  static at(gitdir: string): StagingStore {
    return new StagingStore(path.join(gitdir, 'lakegit-index.json'));
  }

  async read(): Promise<StagingIndex> {
    return (await readJsonIfExists<StagingIndex>(this.file)) ?? emptyIndex();
  }

  async write(index: StagingIndex): Promise<void> {
    const sorted = Object.fromEntries(Object.entries(index.tables).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await writeFileAtomic(this.file, `${JSON.stringify({ ...index, tables: sorted }, null, 1)}\n`);
  }
}

/**
 * git's "racily clean" rule: a file modified in the same instant its stat was recorded may have
 * changed again without its size or mtime moving, so its stat proves nothing.
 */
export function statMatches(recorded: FileStat | undefined, now: { size: number; mtimeMs: number; ino: number }): boolean {
  if (!recorded) return false;
  if (recorded.size !== now.size || recorded.mtimeMs !== now.mtimeMs || recorded.ino !== now.ino) return false;
  return now.mtimeMs + 1000 < recorded.at;
}
