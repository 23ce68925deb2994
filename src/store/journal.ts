import { AsyncLocalStorage } from 'node:async_hooks';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

interface Journal {
  files: string[];
  watched: { dir: string; before: Set<string> | undefined }[];
}

const current = new AsyncLocalStorage<Journal>();

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

export function noteCreated(file: string): void {
  current.getStore()?.files.push(file);
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
