import { badInput } from '../errors.js';
import { filterReflog, listReflogs, readReflog } from '../store/reflog.js';
import type { RepoContext } from './context.js';
import { reflogRefOf } from './revisions.js';

export interface ReflogItem {
  selector: string; // `HEAD@{0}`, `main@{2}`: a revision that names this entry
  commit: string; // where the ref moved to
  previous: string | null; // where it was (null: it did not exist)
  author: string; // who moved it, "Name <email>"
  date: string; // ISO 8601, UTC
  message: string; // why: `commit: …`, `checkout: moving from a to b`, `reset: moving to HEAD~2`, …
}

/** `reflog [<ref>]`: the moves of HEAD (default) or of a branch, newest first, as `git reflog` lists them. */
export async function reflog(ctx: RepoContext, name = 'HEAD'): Promise<ReflogItem[]> {
  const ref = await reflogRefOf(ctx, name);
  if (!ref) throw badInput(`no ref named '${name}'`, { ref: name }, "run 'lakegit branch --list' to list branches");
  const label = name === '' || name === '@' ? (ref === 'HEAD' ? 'HEAD' : ref.replace(/^refs\/heads\//, '')) : name;
  const entries = (await readReflog(ctx.gitdir, ref)).reverse();
  return entries.map((e, i) => ({
    selector: `${label}@{${i}}`,
    commit: e.new,
    previous: /^0+$/.test(e.old) ? null : e.old,
    author: `${e.name} <${e.email}>`,
    date: new Date(e.timestamp * 1000).toISOString(),
    message: e.message,
  }));
}

const UNIT_SECONDS: Record<string, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  week: 7 * 86400,
  month: 30 * 86400,
  year: 365 * 86400,
};

/**
 * An expiry setting as git writes it (`now`, `never`, `30.days.ago`, `2 weeks ago`, `90.days`,
 * an ISO date or `@<seconds>`) as a cutoff in seconds since the epoch: what is older expires.
 * `now` expires everything, `never` nothing.
 */
export function expiryCutoff(value: string, now: number, name: string): number {
  const v = value.trim().toLowerCase();
  if (v === 'now' || v === 'all') return Infinity;
  if (v === 'never' || v === 'false') return -Infinity;
  const rel = /^(\d+(?:\.\d+)?)[.\s]*(second|minute|hour|day|week|month|year)s?(?:[.\s]+ago)?$/.exec(v);
  if (rel) return now - Number(rel[1]) * UNIT_SECONDS[rel[2]];
  if (/^@?\d+$/.test(v)) return Number(v.replace('@', ''));
  const date = Date.parse(value);
  if (Number.isFinite(date)) return date / 1000;
  throw badInput(
    `cannot read ${name} '${value}'`,
    { [name]: value },
    "use 'now', 'never', a date, or an age such as '2.weeks.ago' or '30 days'",
  );
}

/** Commits named (as old or new value) by reflog entries not older than the cutoff. */
export async function liveReflogCommits(ctx: RepoContext, cutoff: number): Promise<string[]> {
  const out = new Set<string>();
  for (const ref of await listReflogs(ctx.gitdir)) {
    for (const e of await readReflog(ctx.gitdir, ref)) {
      if (e.timestamp < cutoff) continue;
      for (const oid of [e.old, e.new]) if (!/^0+$/.test(oid)) out.add(oid);
    }
  }
  // A commit whose objects are gone (never in lakegit, which keeps git objects) cannot be a root.
  const present: string[] = [];
  for (const oid of out) if (await ctx.git.hasObject(oid)) present.push(oid);
  return present;
}

/** Drop reflog entries older than the cutoff (`git reflog expire`); returns how many went. */
export async function expireReflogs(ctx: RepoContext, cutoff: number): Promise<number> {
  if (cutoff === -Infinity) return 0;
  let dropped = 0;
  for (const ref of await listReflogs(ctx.gitdir)) dropped += await filterReflog(ctx.gitdir, ref, (e) => e.timestamp >= cutoff);
  return dropped;
}
