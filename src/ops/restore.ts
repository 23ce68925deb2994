import { unknownTable } from '../errors.js';
import type { StagedTable } from '../store/staging.js';
import type { RepoContext } from './context.js';
import { resolveCommit } from './revisions.js';
import { readManifest, readTableTree } from './tree.js';
import { writeWorkingFile } from './workfile.js';

export interface RestoreOptions {
  tables: string[];
  /** Take the tables from this revision (default: the index for the working files, HEAD for --staged). */
  source?: string;
  /** Restore the index entries (unstage). */
  staged?: boolean;
  /** Restore the working files; the default unless `staged` is given alone. */
  worktree?: boolean;
}

export interface RestoreResult {
  /** Tables whose working file was rewritten. */
  written: string[];
  /** Tables whose index entry was reset. */
  unstaged: string[];
}

/**
 * `restore <table>…`, as `git restore`: discard a table's working changes (its file rewritten from
 * the index, or from `--source`), and with `--staged` its staged changes (the index entry set back
 * to HEAD's, or `--source`'s). A table missing from the source is unstaged but its file is kept.
 */
export async function restore(ctx: RepoContext, opts: RestoreOptions): Promise<RestoreResult> {
  return ctx.locked(async () => {
    const worktree = opts.worktree ?? !opts.staged;
    const index = await ctx.staging.read();
    const sourceRev = opts.source ?? (opts.staged ? 'HEAD' : undefined);
    const source = sourceRev === undefined ? undefined : await readTableTree(ctx, await resolveCommit(ctx, sourceRev));
    for (const t of opts.tables) {
      if (!index.tables[t] && !source?.tables.has(t)) throw unknownTable(t, sourceRev);
    }
    const result: RestoreResult = { written: [], unstaged: [] };
    for (const t of opts.tables) {
      const from = source ? source.tables.get(t) : index.tables[t]?.manifest;
      if (opts.staged && index.tables[t]?.manifest !== from) {
        if (from) index.tables[t] = { manifest: from, file: (await readManifest(ctx, from)).source.file };
        else delete index.tables[t];
        result.unstaged.push(t);
      }
      if (!worktree || !from) continue;
      const entry = await writeTable(ctx, from);
      // The line index described the old bytes: dropped, as checkout drops it.
      if (index.tables[t]?.manifest === from) index.tables[t] = { manifest: from, ...entry };
      result.written.push(t);
    }
    await ctx.staging.write(index);
    return result;
  });
}

/** Write a table's working file from a manifest (a keyless file keeps its order); its settled stat, for the index. */
async function writeTable(ctx: RepoContext, blob: string): Promise<Pick<StagedTable, 'file' | 'stat'>> {
  const m = await readManifest(ctx, blob);
  const { file, stat } = await writeWorkingFile(ctx, m, { manifest: blob, file: m.source.file });
  return { file, stat };
}
