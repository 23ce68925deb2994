import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../store/fsutil.js';
import { compact } from '../table/changes.js';
import type { Manifest } from '../table/manifest.js';
import type { RepoContext } from './context.js';

/**
 * `files` of a snapshot with change chunks prints compacted chunks, which no manifest names. The
 * compaction is recorded here, per manifest blob: later calls reuse it instead of rewriting the
 * table, and `gc` keeps its chunks while the manifest is reachable (the printed paths stay valid
 * until the snapshot itself is unreachable and gc runs).
 */
const DIR = 'compacted';

interface Record_ {
  lakegit: 1;
  chunks: string[];
}

const recordFile = (ctx: RepoContext, blob: string) => ctx.stateFile(path.join(DIR, `${blob}.json`));

async function readRecord(ctx: RepoContext, blob: string): Promise<string[] | undefined> {
  const text = await fsp.readFile(recordFile(ctx, blob), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as Record_;
    return r.lakegit === 1 && Array.isArray(r.chunks) ? r.chunks : undefined;
  } catch {
    return undefined; // damaged: compact again
  }
}

/** The chunk ids holding exactly the rows of manifest `blob`, each once; compacted (and recorded) on first use. */
export async function compactedChunks(ctx: RepoContext, blob: string, m: Manifest): Promise<string[]> {
  if (m.deltas.length === 0) return m.chunks.map((c) => c.id);
  const usable = async (ids: string[] | undefined) => ids && (await Promise.all(ids.map((id) => ctx.chunks.has(id)))).every(Boolean);
  const known = await readRecord(ctx, blob);
  if (await usable(known)) return known!;
  return ctx.locked(async () => {
    const again = await readRecord(ctx, blob); // another process may have compacted it meanwhile
    if (await usable(again)) return again!;
    const ids = (await compact(await ctx.engine(), ctx.chunks, m)).chunks.map((c) => c.id);
    await fsp.mkdir(ctx.stateFile(DIR), { recursive: true });
    await writeFileAtomic(recordFile(ctx, blob), `${JSON.stringify({ lakegit: 1, chunks: ids } satisfies Record_)}\n`);
    return ids;
  });
}

/** For gc (the caller holds the lock): the chunks recorded for reachable manifests; records of unreachable ones go. */
export async function liveCompactions(ctx: RepoContext, reachable: ReadonlySet<string>): Promise<string[]> {
  const out: string[] = [];
  for (const f of await fsp.readdir(ctx.stateFile(DIR)).catch(() => [] as string[])) {
    const blob = f.endsWith('.json') ? f.slice(0, -5) : '';
    if (blob && reachable.has(blob)) out.push(...((await readRecord(ctx, blob)) ?? []));
    else await fsp.rm(ctx.stateFile(path.join(DIR, f)), { force: true });
  }
  return out;
}
