import { AsyncLocalStorage } from 'node:async_hooks';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

interface Journal {
  files: string[];
  watched: { dir: string; before: Set<string> | undefined }[];
}

const current = new AsyncLocalStorage<Journal>();
/** The scratch scopes `noteCreated` runs in, innermost last. */
const scratches = new AsyncLocalStorage<string[][]>();

/**
 * What a write created that nothing references yet: new chunk files, new loose objects, new
 * cache files. Until the command publishes something (the index, a ref, HEAD, merge state: any
 * `writeFileAtomic`), a failure removes them again, so a refused command — bad input in the second
 * of two tables — leaves `.lakegit/` byte for byte as it was. Once published, files stay: the
 * published state may reference them, and `gc` collects any that it does not.
 */
export async function withJournal<T>(cacheDir: string, body: () => Promise<T>): Promise<T> {
  const journal: Journal = { files: [], watched: [] };
  const listing = async (dir: string) =>
    fsp.readdir(dir).then(
      (names) => new Set(names),
      () => undefined,
    );
  const top = await listing(cacheDir);
  journal.watched.push({ dir: cacheDir, before: top });
  for (const sub of top ?? []) journal.watched.push({ dir: path.join(cacheDir, sub), before: await listing(path.join(cacheDir, sub)) });
  try {
    return await current.run(journal, body);
  } catch (e) {
    await rollback(journal);
    throw e;
  }
}

/** A store made `file` (and `dir`, its folder, when that is new too). */
export function noteCreated(file: string, dir?: string): void {
  current.getStore()?.files.push(file);
  for (const s of scratches.getStore() ?? []) s.push(...(dir ? [dir] : []), file);
}

/**
 * A scratch scope: what the stores create while `body` runs (chunk files, loose objects and their
 * new folders) is listed for the scope, published or not, and removed again when `body` throws or
 * `discard(result)` says so: by default always, as a dry run or a preview must leave the stores as
 * they were even when it succeeds. Scopes nest; each lists its own writes. The caller holds the lock.
 */
export async function withScratch<T>(
  body: () => Promise<T>,
  discard: (result: T) => boolean = () => true,
  discardOnError: () => Promise<boolean> = async () => true,
): Promise<T> {
  const created: string[] = [];
  let result: T;
  try {
    result = await scratches.run([...(scratches.getStore() ?? []), created], body);
  } catch (e) {
    if (await discardOnError()) await discardCreated(created);
    throw e;
  }
  if (discard(result)) await discardCreated(created);
  return result;
}

/** What the innermost scratch scope has created so far, for a caller that keeps it but may undo it later (merge --abort). */
export function scratchCreated(): string[] {
  return [...(scratches.getStore()?.at(-1) ?? [])];
}

/** Remove what a scratch scope listed: its files, then its folders if they are left empty. */
export async function discardCreated(paths: readonly string[]): Promise<void> {
  const dirs: string[] = [];
  for (const p of paths) {
    const st = await fsp.lstat(p).catch(() => undefined);
    if (st?.isDirectory()) dirs.push(p);
    else if (st) await fsp.rm(p, { force: true });
  }
  for (const d of dirs.reverse()) await fsp.rmdir(d).catch(() => undefined);
}

export function notePublished(): void {
  const journal = current.getStore();
  if (journal) {
    journal.files = [];
    journal.watched = [];
  }
}

async function rollback(journal: Journal): Promise<void> {
  for (const f of journal.files) await fsp.rm(f, { force: true });
  for (const { dir, before } of journal.watched) {
    if (!before) {
      await fsp.rm(dir, { force: true, recursive: true }); // the command made the folder itself
      continue;
    }
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      if (!before.has(name)) await fsp.rm(path.join(dir, name), { force: true, recursive: true });
    }
  }
}
