import { unknownRevision, badInput } from '../errors.js';
import type { RepoContext } from './context.js';

const SUFFIX = /(~\d*|\^\d*)$/;

/** Resolve git revision syntax (HEAD, branch, tag, id prefix, ~N, ^N) to a commit id. */
export async function resolveCommit(ctx: RepoContext, rev: string): Promise<string> {
  const oid = await tryResolveCommit(ctx, rev);
  if (!oid) throw unknownRevision(rev);
  return oid;
}

export async function tryResolveCommit(ctx: RepoContext, rev: string): Promise<string | undefined> {
  const m = SUFFIX.exec(rev);
  if (m && m.index > 0) {
    const inner = await tryResolveCommit(ctx, rev.slice(0, m.index));
    if (!inner) return undefined;
    const op = m[1][0];
    const n = m[1].length > 1 ? Number(m[1].slice(1)) : 1;
    return op === '~' ? ancestor(ctx, inner, n) : nthParent(ctx, inner, n);
  }
  const oid = await resolveName(ctx, rev);
  return oid ? ctx.git.peel(oid).catch(() => undefined) : undefined;
}

async function ancestor(ctx: RepoContext, oid: string, n: number): Promise<string | undefined> {
  let cur: string | undefined = oid;
  for (let i = 0; i < n && cur; i++) cur = (await ctx.git.readCommit(cur)).parents[0];
  return cur;
}

async function nthParent(ctx: RepoContext, oid: string, n: number): Promise<string | undefined> {
  if (n === 0) return oid;
  return (await ctx.git.readCommit(oid)).parents[n - 1];
}

async function resolveName(ctx: RepoContext, name: string): Promise<string | undefined> {
  if (name === 'HEAD' || name === '@') return ctx.git.resolveRef('HEAD');
  // As git: a branch, a tag, then a remote-tracking branch (`origin/main`, `origin` for its HEAD).
  const candidates = [`refs/heads/${name}`, `refs/tags/${name}`, `refs/remotes/${name}`, `refs/remotes/${name}/HEAD`];
  for (const ref of [...candidates, name.startsWith('refs/') ? name : undefined]) {
    if (!ref) continue;
    const oid = await ctx.git.resolveRef(ref);
    if (oid) return oid;
  }
  if (/^[0-9a-f]{40}$/.test(name)) return (await ctx.git.hasObject(name)) ? name : undefined;
  if (/^[0-9a-f]{4,39}$/.test(name)) return ctx.git.expandOid(name);
  return undefined;
}

/** `orders@main~2` → { table: 'orders', rev: 'main~2' }; `"my table"@v1` unquotes the name. */
export function parseTableRef(text: string): { table: string; rev?: string } {
  let table: string;
  let rest: string;
  if (text.startsWith('"')) {
    const end = text.indexOf('"', 1);
    if (end < 0) throw badInput(`unterminated quoted table name in '${text}'`);
    table = text.slice(1, end);
    rest = text.slice(end + 1);
  } else {
    const at = text.lastIndexOf('@');
    table = at < 0 ? text : text.slice(0, at);
    rest = at < 0 ? '' : text.slice(at);
  }
  if (rest && !rest.startsWith('@')) throw badInput(`cannot parse table reference '${text}'`);
  return { table, rev: rest ? rest.slice(1) || undefined : undefined };
}

const BAD_REF = /(^[./-])|\.\.|[\x00-\x20~^:?*[\\\x7f]|@\{|\/\.|\.lock$|\/$|\.$|^@$|\/\//;

export function validateRefName(name: string, kind: 'branch' | 'tag'): string {
  if (!name || BAD_REF.test(name) || name === 'HEAD') throw badInput(`'${name}' is not a valid ${kind} name`, { name });
  return name;
}
