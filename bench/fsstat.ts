import { promises as fsp } from 'node:fs';
import path from 'node:path';

export interface FileState {
  size: number;
  mtimeMs: number;
  ino: number;
}
export type Listing = Map<string, FileState>;

/** Every file under `dir` with its size, mtime and inode (apparent sizes, as `du -b`). */
export async function listing(dir: string): Promise<Listing> {
  const out: Listing = new Map();
  const walk = async (d: string) => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const st = await fsp.stat(p).catch(() => undefined);
        if (st) out.set(path.relative(dir, p), { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      }
    }
  };
  await walk(dir);
  return out;
}

export const totalBytes = (l: Listing): number => [...l.values()].reduce((s, f) => s + f.size, 0);

export const dirBytes = async (dir: string): Promise<number> => totalBytes(await listing(dir));

/** Bytes of the files (those `keep` accepts) that are new or rewritten between two listings: what an operation wrote. */
export function bytesWritten(before: Listing, after: Listing, keep: (p: string) => boolean = () => true): number {
  let bytes = 0;
  for (const [p, f] of after) {
    const old = before.get(p);
    if (keep(p) && (!old || old.size !== f.size || old.mtimeMs !== f.mtimeMs || old.ino !== f.ino)) bytes += f.size;
  }
  return bytes;
}

/** Sum of the sizes of the files `keep` accepts. */
export const bytesOf = (l: Listing, keep: (p: string) => boolean): number => [...l].reduce((s, [p, f]) => s + (keep(p) ? f.size : 0), 0);

export const sameFile = (a: FileState | undefined, b: FileState | undefined): boolean =>
  !!a && !!b && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;

export async function fileState(file: string): Promise<FileState | undefined> {
  const st = await fsp.stat(file).catch(() => undefined);
  return st ? { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } : undefined;
}
