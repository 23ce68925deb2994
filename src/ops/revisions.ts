import { InvalidName, unknownRevision } from '../errors.js';
import { readReflog } from '../store/reflog.js';
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
  const logged = REFLOG_REV.exec(name);
  if (logged) return reflogEntry(ctx, logged[1], Number(logged[2]));
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

/** `HEAD@{2}`, `main@{1}`, `@{1}` (the current branch): the n-th newest entry of that ref's reflog. */
const REFLOG_REV = /^(.*)@\{(\d+)\}$/;

/** The ref whose reflog `name@{n}` reads: HEAD, a branch, a remote-tracking ref or a full `refs/…` name. */
export async function reflogRefOf(ctx: RepoContext, name: string): Promise<string | undefined> {
  if (name === 'HEAD') return 'HEAD';
  if (name === '' || name === '@') {
    const branch = await ctx.git.currentBranch();
    return branch ? `refs/heads/${branch}` : 'HEAD';
  }
  for (const ref of [name.startsWith('refs/') ? name : undefined, `refs/heads/${name}`, `refs/remotes/${name}`]) {
    if (ref && (await ctx.git.resolveRef(ref))) return ref;
  }
  return undefined;
}

async function reflogEntry(ctx: RepoContext, name: string, n: number): Promise<string | undefined> {
  const ref = await reflogRefOf(ctx, name);
  if (!ref) return undefined;
  const entries = await readReflog(ctx.gitdir, ref);
  // @{0} is where the ref is now, even when its log is empty (git does the same).
  if (n === 0) return entries.at(-1)?.new ?? ctx.git.resolveRef(ref);
  return entries.at(-1 - n)?.new;
}

/** `orders@main~2` → { table: 'orders', rev: 'main~2' }; `"my table"@v1` unquotes the name. */
export function parseTableRef(text: string): { table: string; rev?: string } {
  let table: string;
  let rest: string;
  if (text.startsWith('"')) {
    const end = text.indexOf('"', 1);
    if (end < 0) throw new InvalidName(`unterminated quoted table name in '${text}'`);
    table = text.slice(1, end);
    rest = text.slice(end + 1);
  } else {
    // The last `@` that does not open a reflog selector (`orders@main@{1}`) or sit inside a quoted revision.
    const quoted = text.indexOf('@"');
    let at = quoted >= 0 ? quoted : text.length;
    do at = text.lastIndexOf('@', at - 1);
    while (at > 0 && text[at + 1] === '{');
    if (quoted >= 0) at = quoted;
    table = at < 0 ? text : text.slice(0, at);
    rest = at < 0 ? '' : text.slice(at);
  }
  if (rest && !rest.startsWith('@')) throw new InvalidName(`cannot parse table reference '${text}'`);
  let rev = rest ? rest.slice(1) || undefined : undefined;
  // A revision may be quoted, as a table name may: `cars@"t/b"`.
  if (rev?.startsWith('"')) {
    if (rev.length < 2 || !rev.endsWith('"')) throw new InvalidName(`unterminated quoted revision in '${text}'`);
    rev = rev.slice(1, -1);
  }
  return { table, rev };
}

const BAD_REF = /(^[./-])|\.\.|[\x00-\x20~^:?*[\\\x7f]|@\{|\/\.|\.lock$|\/$|\.$|^@$|\/\//;

export function validateRefName(name: string, kind: 'branch' | 'tag'): string {
  if (!name || BAD_REF.test(name) || name === 'HEAD') throw new InvalidName(`'${name}' is not a valid ${kind} name`, { name });
  return name;
}
