import { promises as fsp } from 'node:fs';
import { quoteIdent } from '../../engine/quote.js';
import { InvalidFilter, MissingFile, unknownTable } from '../../errors.js';
import { statFile, statMatches } from '../../store/staging.js';
import { validateKey } from '../../table/changes.js';
import type { Manifest } from '../../table/manifest.js';
import type { Column } from '../../table/schema.js';
import { TableSnapshot } from '../../table/snapshot.js';
import type { CommitMeta } from './run.js';
import { indexTree } from '../tree.js';
import type { RepoContext } from '../context.js';
import { resolveCommit } from '../revisions.js';
import { readManifest, readTableTree, type TableTree } from '../tree.js';
import { dropWork, loadWorkingFile } from '../worktree.js';

/** The id git blame gives lines that are not committed yet. */
export const NOT_COMMITTED = '0'.repeat(40);

/**
 * Where a blame starts: the rows to blame, and either a commit, or an uncommitted version (the
 * staged manifest, or the working file's rows) whose parent is HEAD.
 */
export interface BlameStart {
  table: string;
  rev: string; // commit id, or WORKING
  columns: Column[];
  key: string[] | null;
  rows: string; // SQL relation of the rows at the start
  commit?: string; // start the walk at this commit…
  uncommitted?: { meta: CommitMeta; manifest?: Manifest; tree: TableTree; head?: string }; // …or here, then HEAD
  release(): Promise<void>;
}

export async function blameStart(ctx: RepoContext, table: string, rev: string | undefined): Promise<BlameStart> {
  return rev === undefined ? workingStart(ctx, table) : commitStart(ctx, table, rev);
}

async function commitStart(ctx: RepoContext, table: string, rev: string): Promise<BlameStart> {
  const commit = await resolveCommit(ctx, rev);
  const blob = (await readTableTree(ctx, commit)).tables.get(table);
  if (!blob) throw unknownTable(table, rev);
  const m = await readManifest(ctx, blob);
  return {
    table,
    rev: commit,
    columns: m.columns,
    key: m.key,
    rows: new TableSnapshot(m, ctx.chunks).sql(),
    commit,
    release: async () => {},
  };
}

/**
 * A bare table name is the working tree's version. A file that still holds the staged rows starts
 * from the staged manifest (and from HEAD itself when nothing is staged); otherwise the file is
 * read, and rows that differ from HEAD are "not committed yet".
 */
async function workingStart(ctx: RepoContext, table: string): Promise<BlameStart> {
  const index = await ctx.staging.read();
  const entry = index.tables[table];
  if (!entry) throw unknownTable(table);
  const head = await ctx.git.resolveRef('HEAD');
  const headBlob = head ? (await readTableTree(ctx, head)).tables.get(table) : undefined;
  const staged = await readManifest(ctx, entry.manifest);
  const now = await statFile(ctx.abs(entry.file));
  if (!now) {
    throw new MissingFile(
      `cannot blame '${table}': its file '${entry.file}' does not exist`,
      { table, file: entry.file },
      `blame a committed version instead, e.g. '${table}@HEAD'`,
    );
  }
  const base = { table, rev: 'WORKING', key: staged.key };
  const clean = statMatches(entry.stat, now);
  if (clean && head && entry.manifest === headBlob) {
    return { ...base, columns: staged.columns, rows: new TableSnapshot(staged, ctx.chunks).sql(), commit: head, release: async () => {} };
  }
  const mtime = (await fsp.stat(ctx.abs(entry.file))).mtime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const meta: CommitMeta = {
    commit: NOT_COMMITTED,
    author: 'Not Committed Yet <not.committed.yet>',
    date: mtime,
    message: `Version of ${entry.file} from the working tree`,
  };
  const tree = indexTree(index);
  if (clean) {
    const rows = new TableSnapshot(staged, ctx.chunks).sql();
    return { ...base, columns: staged.columns, rows, uncommitted: { meta, manifest: staged, tree, head }, release: async () => {} };
  }
  const engine = await ctx.engine();
  const loaded = await loadWorkingFile(ctx, engine, entry.file, staged.source.format, staged);
  try {
    if (staged.key) await validateKey(engine, loaded.work, loaded.columns, staged.key, entry.file);
  } catch (e) {
    await dropWork(engine, loaded.work);
    throw e;
  }
  return {
    ...base,
    columns: loaded.columns,
    rows: `SELECT * FROM ${quoteIdent(loaded.work)}`,
    uncommitted: { meta, tree, head },
    release: () => dropWork(engine, loaded.work),
  };
}

/** A user's `--where` that DuckDB could not run as a filter over the table's rows. */
export function filterError(where: string, e: unknown): InvalidFilter {
  const msg = (e as Error).message.split('\n').find((l) => l.trim() && !/^LINE \d+:/.test(l)) ?? String(e);
  return new InvalidFilter(
    `--where '${where}' is not a valid filter: ${msg}`,
    { where },
    "give a DuckDB boolean expression over the table's columns",
  );
}
