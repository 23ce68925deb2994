import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { MissingFile } from '../errors.js';
import { readJsonIfExists, tempName, writeFileAtomic } from './fsutil.js';

/** What the working file looked like when its rows last matched the staged manifest. */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
  at: number;
  /** The mtime in nanoseconds (decimal text), when the file system gave it. */
  mtimeNs?: string;
  /**
   * The mtime (ns) of a file created in the same directory after this one was written and stat'ed:
   * a reading of the file system's own clock. Set only when it is later than `mtimeNs`.
   */
  settledNs?: string;
}

export interface StagedTable {
  manifest: string; // blob oid of the staged manifest
  file: string; // working file, relative to the repository root
  stat?: FileStat;
  /** The line index of the working file (src/table/lineindex.ts), when it matches the staged rows. */
  lines?: {
    file: string;
    header: string;
    rows: number;
    duckdb: string;
    manifest: string;
    slots?: number;
    blocks?: number;
    layout?: string;
    overlay?: string;
    overlayRows?: number;
    marks?: string;
  };
}

export interface StagingIndex {
  version: 1;
  tables: Record<string, StagedTable>;
  config?: { blob: string; stat?: FileStat; scripts?: Record<string, string> }; // lakegit.yaml, and the hook scripts it names (path → blob)
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
 * changed again without its size or mtime moving, so its stat proves nothing. Two ways out:
 * - the stat was taken over a second after the mtime (`at`, by the process clock, which may differ
 *   from the file system's by up to a clock tick: hence the margin);
 * - as git does with its index file's mtime: the file system's own clock had already passed the
 *   file's mtime when the stat was recorded (`settledNs`), so any later write gives a later mtime.
 */
export function statMatches(recorded: FileStat | undefined, now: StatNow): boolean {
  if (!recorded) return false;
  if (recorded.size !== now.size || recorded.mtimeMs !== now.mtimeMs || recorded.ino !== now.ino) return false;
  if (recorded.settledNs !== undefined && recorded.mtimeNs !== undefined && now.mtimeNs !== undefined) {
    return recorded.mtimeNs === now.mtimeNs && BigInt(recorded.mtimeNs) < BigInt(recorded.settledNs);
  }
  return now.mtimeMs + 1000 < recorded.at;
}

/** A file changed while it was read: its size or mtime moved between the stat before and the one after. */
export const unchangedWhileRead = (before: StatNow | undefined, after: StatNow | undefined): boolean =>
  !!before && !!after && after.size === before.size && after.mtimeMs === before.mtimeMs;

export type StatNow = { size: number; mtimeMs: number; ino: number; mtimeNs?: string };

export async function statFile(abs: string): Promise<StatNow | undefined> {
  const st = await fsp.stat(abs, { bigint: true }).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  // mtimeMs as the number form of stat gives it, so records made before mtimeNs existed still match.
  return { size: Number(st.size), mtimeMs: Number(st.mtimeNs) / 1e6, ino: Number(st.ino), mtimeNs: String(st.mtimeNs) };
}

export const recordStat = (s: StatNow, at: number): FileStat => ({ ...s, at });

/**
 * The stat of a file lakegit has just written, for the index. A probe file created next to it
 * afterwards reads the file system's clock: if that is past the file's mtime, a later write to the
 * file shows as a later mtime, and the next status can trust the stat instead of re-reading the
 * file (git's rule for files older than its index). Otherwise the stat stays racily clean.
 */
export async function settledStat(abs: string): Promise<FileStat> {
  const st = await statFile(abs);
  if (!st) throw new MissingFile(`'${abs}' vanished right after it was written`, { file: abs });
  const probe = tempName(path.dirname(abs), 'lakegit-clock', '');
  try {
    await fsp.writeFile(probe, '');
    const clock = (await fsp.stat(probe, { bigint: true })).mtimeNs;
    const settled = st.mtimeNs !== undefined && BigInt(st.mtimeNs) < clock;
    return { ...recordStat(st, Date.now()), ...(settled ? { settledNs: String(clock) } : {}) };
  } finally {
    await fsp.rm(probe, { force: true });
  }
}
