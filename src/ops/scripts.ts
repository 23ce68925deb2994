import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { TreeEntry } from '../store/git.js';
import { parseChecksConfig } from './checks/config.js';
import type { RepoContext } from './context.js';

/**
 * Hook scripts that live in the repository (`run: node checks/x.mjs`) are versioned with the
 * checks: staging lakegit.yaml stages the repository files its hooks name, and a commit keeps them
 * under `scripts/` beside lakegit.yaml. Hooks run the committed copy of the lakegit.yaml that
 * applies (a merge's target), never the working file, so a branch cannot weaken a check by editing
 * the script it runs.
 */
export const SCRIPTS_TREE = 'scripts';

/** The words of a hook command that could name a repository file: relative paths, no options or variables. */
export function pathWords(run: string): string[] {
  return run
    .split(/\s+/)
    .map((w) => w.replace(/^['"]|['"]$/g, ''))
    .filter((w) => w && !w.startsWith('-') && !/[$`=;|&<>*?]/.test(w) && !path.isAbsolute(w) && /[./]/.test(w));
}

/** A word as a repository-relative path (posix), or undefined when it leaves the repository or names git's own state. */
export function repoPath(root: string, word: string): string | undefined {
  const rel = path.relative(root, path.resolve(root, word)).split(path.sep).join('/');
  if (!rel || rel.startsWith('..') || rel === '.lakegit' || rel.startsWith('.lakegit/')) return undefined;
  return rel;
}

/** The repository files the hooks of a lakegit.yaml name, as they are in the working tree now. */
export async function stageScripts(ctx: RepoContext, configText: Buffer): Promise<Record<string, string> | undefined> {
  let runs: string[];
  try {
    runs = parseChecksConfig(configText.toString('utf8')).hooks.map((h) => h.run);
  } catch {
    return undefined; // a malformed lakegit.yaml is reported where it is used, not when staged
  }
  const out: Record<string, string> = {};
  for (const word of runs.flatMap(pathWords)) {
    const rel = repoPath(ctx.root, word);
    if (!rel || out[rel]) continue;
    const st = await fsp.stat(ctx.abs(rel)).catch(() => undefined);
    if (st?.isFile()) out[rel] = await ctx.git.writeBlob(await fsp.readFile(ctx.abs(rel)));
  }
  return Object.keys(out).length ? out : undefined;
}

export const scriptMap = (r: Record<string, string> | undefined): Map<string, string> | undefined =>
  r && Object.keys(r).length ? new Map(Object.entries(r)) : undefined;

export const scriptRecord = (m: Map<string, string> | undefined): Record<string, string> | undefined =>
  m && m.size ? Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1))) : undefined;

export const scriptsEqual = (a: Map<string, string> | undefined, b: Map<string, string> | undefined): boolean =>
  JSON.stringify(scriptRecord(a) ?? null) === JSON.stringify(scriptRecord(b) ?? null);

/** Read the `scripts/` tree of a commit into path → blob. */
export async function readScripts(ctx: RepoContext, tree: string, prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await ctx.git.readTree(tree)) {
    if (e.type === 'blob') out.set(`${prefix}${e.path}`, e.oid);
    else if (e.type === 'tree') for (const [p, o] of await readScripts(ctx, e.oid, `${prefix}${e.path}/`)) out.set(p, o);
  }
  return out;
}

/** Write path → blob as nested git trees; the id of the top one. */
export async function writeScripts(ctx: RepoContext, scripts: Map<string, string>): Promise<string> {
  const files: TreeEntry[] = [];
  const dirs = new Map<string, Map<string, string>>();
  for (const [p, oid] of scripts) {
    const slash = p.indexOf('/');
    if (slash < 0) files.push({ path: p, oid, mode: '100644', type: 'blob' });
    else {
      const dir = p.slice(0, slash);
      if (!dirs.has(dir)) dirs.set(dir, new Map());
      dirs.get(dir)!.set(p.slice(slash + 1), oid);
    }
  }
  for (const [dir, inner] of dirs) files.push({ path: dir, oid: await writeScripts(ctx, inner), mode: '040000', type: 'tree' });
  return ctx.git.writeTree(files);
}

/**
 * Scripts through a three-way merge, path by path: a side's change is taken; both sides changing
 * one script differently keeps ours (a change to a protected branch's checks is refused or
 * recorded by the merge gate either way).
 */
export function mergeScripts(
  base: Map<string, string> | undefined,
  ours: Map<string, string> | undefined,
  theirs: Map<string, string> | undefined,
): Map<string, string> | undefined {
  const [b, o, t] = [base ?? new Map<string, string>(), ours ?? new Map<string, string>(), theirs ?? new Map<string, string>()];
  const out = new Map<string, string>();
  for (const p of new Set([...o.keys(), ...t.keys(), ...b.keys()])) {
    const v = o.get(p) !== b.get(p) ? o.get(p) : t.get(p);
    if (v) out.set(p, v);
  }
  return out.size ? out : undefined;
}

/**
 * Bring the working files of the scripts from one tree's versions to another's (checkout, merge).
 * A script edited and not committed (or an untracked file in its place) is left as it is, carried
 * over as git carries an uncommitted change, never overwritten: `add lakegit.yaml` stages it.
 */
export async function applyScripts(
  ctx: RepoContext,
  from: Map<string, string> | undefined,
  to: Map<string, string> | undefined,
  backup?: (file: string) => Promise<void>,
): Promise<void> {
  for (const p of new Set([...(from?.keys() ?? []), ...(to?.keys() ?? [])])) {
    const want = to?.get(p);
    const had = from?.get(p);
    if (want === had) continue;
    const now = await fsp.readFile(ctx.abs(p)).catch(() => undefined);
    const blob = now && (await ctx.git.writeBlob(now));
    if (blob && blob !== had && blob !== want) continue; // edited, or untracked: the user's, not ours to replace
    await backup?.(p);
    if (want) {
      await fsp.mkdir(path.dirname(ctx.abs(p)), { recursive: true });
      await fsp.writeFile(ctx.abs(p), await ctx.git.readBlob(want));
    } else await fsp.rm(ctx.abs(p), { force: true });
  }
}
