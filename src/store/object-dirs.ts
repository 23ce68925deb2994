import { randomBytes } from 'node:crypto';
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';

/** The `fs` shape GitStore hands to isomorphic-git. */
export type ObjectFs = typeof fs;

/**
 * `writeFile` through a temporary file beside the target, then a rename, so a file is never seen
 * half-written. isomorphic-git writes a loose object only when its file does not exist yet: a
 * process killed mid-write would leave a truncated object that every later write of the same object
 * (same content, same id) skips, and a ref could then name it. The temporary name is git's own
 * (`tmp_obj_`), which `git fsck` passes over and `git prune` removes.
 */
export async function writeFileAtomically(file: string, data: string | Uint8Array, options?: fs.WriteFileOptions): Promise<void> {
  const tmp = path.join(path.dirname(file), `tmp_obj_${process.pid}_${randomBytes(6).toString('hex')}`);
  try {
    await fsp.writeFile(tmp, data, options);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** The repository as it is on disk, every write isomorphic-git makes atomic (`writeFileAtomically`). */
export const atomicObjectFs = { ...fs, promises: { ...fsp, writeFile: writeFileAtomically } } as unknown as ObjectFs;

/**
 * Where git's environment says a repository's objects are. While `git receive-pack` runs the
 * `pre-receive` hook, the pushed objects are not in `<gitdir>/objects` yet but in a quarantine
 * directory; git tells the hook through `GIT_OBJECT_DIRECTORY` (the quarantine, where new objects
 * go) and `GIT_ALTERNATE_OBJECT_DIRECTORIES` (the repository's own objects), and moves the
 * quarantine in only after the hook accepts (git-receive-pack(1), "Quarantine Environment").
 * Returns undefined when the environment names no other directory than `<gitdir>/objects`.
 */
export function objectDirsFromEnv(gitdir: string, env: NodeJS.ProcessEnv): string[] | undefined {
  const primary = env.GIT_OBJECT_DIRECTORY;
  if (!primary) return undefined;
  const own = path.resolve(gitdir, 'objects');
  const dirs = [primary, ...splitAlternates(env.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? ''), own].map((d) => path.resolve(gitdir, d));
  const unique = [...new Set(dirs)];
  return unique.length === 1 && unique[0] === own ? undefined : unique;
}

/** `GIT_ALTERNATE_OBJECT_DIRECTORIES` is `:`-separated; git quotes an entry holding a `:` C-style. */
function splitAlternates(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    if (value[i] === '"') {
      let s = '';
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        s += value[i++];
      }
      out.push(s);
      i = value.indexOf(':', i);
      if (i < 0) break;
      i++;
    } else {
      const end = value.indexOf(':', i);
      out.push(value.slice(i, end < 0 ? undefined : end));
      if (end < 0) break;
      i = end + 1;
    }
  }
  return out.filter(Boolean);
}

/**
 * An `fs` for isomorphic-git (which reads only `<gitdir>/objects`) that shows it the union of
 * `dirs` there: a read of `<gitdir>/objects/<rel>` is served from the first directory holding
 * `<rel>`, a listing under `objects/` (loose fan-out folders, `pack/`) merges every directory's,
 * and a write lands in the first (the quarantine, as git's own writes would). Paths outside
 * `objects/` pass through untouched.
 */
export function overlayObjectFs(gitdir: string, dirs: string[]): ObjectFs {
  const objects = path.resolve(gitdir, 'objects');
  const rel = (p: unknown): string | undefined => {
    if (typeof p !== 'string') return undefined;
    const r = path.relative(objects, path.resolve(p));
    return r === '' || (!r.startsWith('..') && !path.isAbsolute(r)) ? r : undefined;
  };
  const firstExisting = async (r: string): Promise<string> => {
    for (const d of dirs) {
      const candidate = path.join(d, r);
      if (
        await fsp.lstat(candidate).then(
          () => true,
          () => false,
        )
      )
        return candidate;
    }
    return path.join(dirs[0], r);
  };
  const readVia =
    <A extends unknown[], R>(op: (p: string, ...rest: A) => Promise<R>) =>
    async (p: string, ...rest: A): Promise<R> => {
      const r = rel(p);
      return op(r === undefined ? p : await firstExisting(r), ...rest);
    };
  const writeVia =
    <A extends unknown[], R>(op: (p: string, ...rest: A) => Promise<R>) =>
    async (p: string, ...rest: A): Promise<R> => {
      const r = rel(p);
      return op(r === undefined ? p : path.join(dirs[0], r), ...rest);
    };
  const readdir = async (p: string, ...rest: unknown[]): Promise<string[]> => {
    const r = rel(p);
    if (r === undefined) return (fsp.readdir as (p: string, ...a: unknown[]) => Promise<string[]>)(p, ...rest);
    const names = new Set<string>();
    let found = false;
    for (const d of dirs) {
      const list = await fsp.readdir(path.join(d, r)).catch(() => undefined);
      if (!list) continue;
      found = true;
      for (const n of list) names.add(n);
    }
    if (!found) return fsp.readdir(path.join(dirs[0], r)); // throws ENOENT as fs would
    return [...names];
  };
  const promises = {
    ...fsp,
    readFile: readVia(fsp.readFile as (p: string, ...a: unknown[]) => Promise<Buffer | string>),
    stat: readVia(fsp.stat as (p: string, ...a: unknown[]) => Promise<fs.Stats>),
    lstat: readVia(fsp.lstat as (p: string, ...a: unknown[]) => Promise<fs.Stats>),
    readlink: readVia(fsp.readlink as (p: string, ...a: unknown[]) => Promise<string>),
    readdir,
    writeFile: writeVia(writeFileAtomically as (p: string, ...a: unknown[]) => Promise<void>),
    mkdir: writeVia(fsp.mkdir as (p: string, ...a: unknown[]) => Promise<string | undefined>),
    unlink: writeVia(fsp.unlink as (p: string) => Promise<void>),
    rmdir: writeVia(fsp.rmdir as (p: string) => Promise<void>),
  };
  // isomorphic-git uses `promises` when it is an enumerable property (its FileSystem wrapper).
  return { ...fs, promises } as unknown as ObjectFs;
}
