import { promises as fsp, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import { BadPath, MissingFile, badInput } from '../errors.js';
import { recordStat, statFile, unchangedWhileRead, type FileStat } from '../store/staging.js';
import { workName } from '../table/changes.js';
import { loadFile } from '../table/files.js';
import type { Manifest } from '../table/manifest.js';
import { isDataFile, type Column, type FileFormat } from '../table/schema.js';
import { LAKEGIT_DIR, type RepoContext } from './context.js';

/** A path given on the command line, as a path relative to the root; files outside are bad input. */
export function relativeToRoot(ctx: RepoContext, given: string, cwd: string): string {
  const abs = path.resolve(cwd, given);
  const rel = path.relative(ctx.root, abs);
  const outside = (r: string) => r === '..' || r.startsWith(`..${path.sep}`) || path.isAbsolute(r);
  // A symbolic link inside the repository that points out of it is outside too.
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return undefined;
    }
  };
  const target = real(abs);
  if (outside(rel) || (target !== undefined && outside(path.relative(real(ctx.root) ?? ctx.root, target)))) {
    throw new BadPath(`'${given}' is outside the repository`, { file: given }, `data files must live under ${ctx.root}`);
  }
  if (rel.split(path.sep)[0] === LAKEGIT_DIR) throw new BadPath(`'${given}' is inside ${LAKEGIT_DIR}/`, { file: given });
  return rel.split(path.sep).join('/');
}

export interface LoadedFile {
  work: string;
  columns: Column[];
  stat: FileStat;
}

/** Read a working file into a fresh work table; the stat is taken before the read (racy-safe). */
export async function loadWorkingFile(
  ctx: RepoContext,
  engine: Engine,
  file: string,
  format: FileFormat,
  prior?: Manifest,
  orderBy?: string[],
  types: Record<string, string> | undefined = prior?.source.types,
): Promise<LoadedFile> {
  const abs = ctx.abs(file);
  const at = Date.now();
  const before = await statFile(abs);
  if (!before) throw new MissingFile(`cannot read '${file}': the file does not exist`, { file });
  const work = workName('file');
  const columns = await loadFile(engine, abs, file, format, work, prior?.columns, orderBy, types);
  const after = await statFile(abs);
  if (!unchangedWhileRead(before, after)) {
    await dropWork(engine, work);
    throw badInput(`'${file}' changed while it was being read`, { file }, 'run the command again');
  }
  return { work, columns, stat: recordStat(before, at) };
}

export async function dropWork(engine: Engine, work: string): Promise<void> {
  await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(work)}`);
}

/** Data files under the root that no table tracks (dot-folders and node_modules skipped). */
export async function findDataFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(dir, e.name), r);
      else if (e.isFile() && isDataFile(e.name)) out.push(r);
    }
  };
  await walk(root, '');
  return out.sort();
}
