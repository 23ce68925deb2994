import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { AlreadyExists, InvalidKey, UnknownTable, UsageError, WouldOverwrite } from '../errors.js';
import { dirtyTables } from './checkout.js';
import { statFile, type StagingIndex } from '../store/staging.js';
import { DEFAULT_CHUNKING } from '../table/chunker.js';
import { chunkFresh, validateKey, validateKeyColumns } from '../table/changes.js';
import { sourceOf } from '../table/files.js';
import { normalizeTypes, parseTypeOverrides } from '../table/type-overrides.js';
import { requireFormat, validateTableName } from '../table/schema.js';
import { CONFIG_FILE, type RepoContext } from './context.js';
import { stageScripts } from './scripts.js';
import { readManifest, readTableTree, writeManifest } from './tree.js';
import { markResolved } from './merge/state.js';
import { dropWork, loadWorkingFile, relativeToRoot } from './worktree.js';
import { stageTracked, withTypes } from './stage-tracked.js';

export interface AddOptions {
  paths: string[];
  cwd: string;
  key?: string[];
  name?: string;
  keyless?: boolean;
  /** `--type col=TYPE` as given: fixes those columns' types for every later read of the file. */
  types?: string[];
  onProgress?: (label: string, done: number, total: number, unit?: string) => void;
}

export interface AddResult {
  staged: string[];
  unchanged: string[];
  removed: string[];
}

/** `add`: start tracking files, or stage the current rows of tracked ones. */
export async function add(ctx: RepoContext, opts: AddOptions): Promise<AddResult> {
  if (opts.key?.length && opts.keyless)
    throw new UsageError('--key and --keyless exclude each other', {}, 'a table has a primary key or none');
  return ctx.locked(async () => {
    const index = await ctx.staging.read();
    const result: AddResult = { staged: [], unchanged: [], removed: [] };
    const everything = opts.paths.some((p) => p === '.' || p === '-A');
    if (everything) {
      await stageAll(ctx, index, result, opts);
    }
    for (const given of opts.paths.filter((p) => p !== '.' && p !== '-A')) {
      await addOne(ctx, index, given, opts, result);
    }
    await ctx.staging.write(index);
    // Mid-merge, adding a table takes its working file as the resolution of its conflicts.
    await markResolved(ctx, [...result.staged, ...result.unchanged, ...result.removed]);
    return result;
  });
}

/** Stage every tracked table and a tracked lakegit.yaml: `add -A`, `commit -a`. Caller holds the lock. */
export async function stageAll(
  ctx: RepoContext,
  index: StagingIndex,
  result: AddResult,
  opts: Pick<AddOptions, 'onProgress'> = {},
): Promise<void> {
  for (const [name, entry] of Object.entries(index.tables)) {
    const st = await statFile(ctx.abs(entry.file));
    if (!st) {
      delete index.tables[name];
      result.removed.push(name);
      continue;
    }
    (await stageTracked(ctx, index, name, opts)) ? result.staged.push(name) : result.unchanged.push(name);
  }
  if (index.config) await stageConfig(ctx, index);
}

async function addOne(ctx: RepoContext, index: StagingIndex, given: string, opts: AddOptions, result: AddResult): Promise<void> {
  const rel = relativeToRoot(ctx, given, opts.cwd);
  if (rel === CONFIG_FILE) {
    await stageConfig(ctx, index);
    result.staged.push(CONFIG_FILE);
    return;
  }
  const tracked = Object.entries(index.tables).find(([name, e]) => e.file === rel || (name === given && !opts.name));
  if (tracked && (!opts.name || opts.name === tracked[0])) {
    if (opts.key && JSON.stringify(opts.key) !== JSON.stringify((await readManifest(ctx, tracked[1].manifest)).key)) {
      throw new InvalidKey(`table '${tracked[0]}' already has a key; changing it is not supported`, { table: tracked[0] });
    }
    if (!(await statFile(ctx.abs(tracked[1].file)))) {
      delete index.tables[tracked[0]];
      result.removed.push(tracked[0]);
      return;
    }
    (await stageTracked(ctx, index, tracked[0], opts, await typesOf(ctx, opts)))
      ? result.staged.push(tracked[0])
      : result.unchanged.push(tracked[0]);
    return;
  }
  const name = validateTableName(opts.name ?? path.basename(rel, path.extname(rel)));
  if (index.tables[name]) {
    throw new AlreadyExists(
      'table',
      name,
      `a table named '${name}' is already tracked (from '${index.tables[name].file}')`,
      'pass --name to choose another name',
    );
  }
  await trackNew(ctx, index, name, rel, opts);
  result.staged.push(name);
}

async function trackNew(ctx: RepoContext, index: StagingIndex, name: string, file: string, opts: AddOptions): Promise<void> {
  const format = requireFormat(file);
  if (!opts.key && !opts.keyless) {
    throw new InvalidKey(`table '${name}' needs a primary key`, { table: name }, `pass --key <column>[,<column>] or --keyless`);
  }
  const engine = await ctx.engine();
  const types = await typesOf(ctx, opts);
  // Loaded in file order: a file already in key order (as lakegit writes files) is then chunked without a sort.
  const loaded = await loadWorkingFile(ctx, engine, file, format, undefined, undefined, types).catch(async (e) => {
    if (opts.key) await validateKeyColumns(engine, ctx.abs(file), file, format, opts.key);
    throw e;
  });
  try {
    const sorted = opts.key ? await validateKey(engine, loaded.work, loaded.columns, opts.key, file, true) : false;
    const manifest = await chunkFresh(
      engine,
      ctx.chunks,
      {
        work: loaded.work,
        columns: loaded.columns,
        key: opts.key ?? null,
        source: withTypes(sourceOf(file, ctx.abs(file), format), types),
        chunking: DEFAULT_CHUNKING,
        sorted,
      },
      (d, t) => opts.onProgress?.(`chunking ${name}`, d, t, 'rows'),
    );
    index.tables[name] = { manifest: await writeManifest(ctx, manifest), file, stat: loaded.stat };
  } finally {
    await dropWork(engine, loaded.work);
  }
}

/** The `--type` overrides of an `add`, checked by DuckDB; undefined when none were given. */
async function typesOf(ctx: RepoContext, opts: Pick<AddOptions, 'types'>): Promise<Record<string, string> | undefined> {
  if (!opts.types?.length) return undefined;
  return normalizeTypes(await ctx.engine(), parseTypeOverrides(opts.types));
}

async function stageConfig(ctx: RepoContext, index: StagingIndex): Promise<void> {
  const text = await fsp.readFile(ctx.abs(CONFIG_FILE)).catch(() => undefined);
  if (text === undefined) {
    delete index.config;
    return;
  }
  const scripts = await stageScripts(ctx, text);
  index.config = { blob: await ctx.git.writeBlob(text), ...(scripts ? { scripts } : {}) };
}

/** `rm`: stop tracking a table; delete its file unless `cached`. */
export async function remove(ctx: RepoContext, table: string, cached: boolean, force = false): Promise<void> {
  await ctx.locked(async () => {
    const index = await ctx.staging.read();
    const entry = index.tables[table];
    if (!entry) throw new UnknownTable(table, undefined, { message: `no table '${table}' is tracked` });
    // As git rm: deleting a file whose rows are not all committed would lose them.
    if (
      !cached &&
      !force &&
      (await dirtyTables(ctx, index, await readTableTree(ctx, await ctx.git.resolveRef('HEAD')), [table])).has(table)
    ) {
      throw new WouldOverwrite(
        `'${entry.file}' has changes that are not committed`,
        { table },
        'commit them first, keep the file with --cached, or delete it anyway with --force',
      );
    }
    delete index.tables[table];
    await ctx.staging.write(index);
    if (!cached) await fsp.rm(ctx.abs(entry.file), { force: true });
    await markResolved(ctx, [table]);
  });
}

/** `mv`: rename a table; its chunks and file stay as they are. */
export async function rename(ctx: RepoContext, from: string, to: string): Promise<void> {
  await ctx.locked(async () => {
    const index = await ctx.staging.read();
    const entry = index.tables[from];
    if (!entry) throw new UnknownTable(from, undefined, { message: `no table '${from}' is tracked` });
    validateTableName(to);
    if (index.tables[to]) throw new AlreadyExists('table', to);
    delete index.tables[from];
    index.tables[to] = entry;
    await ctx.staging.write(index);
  });
}
