import type { Engine, JsonRow } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { workName } from '../../table/changes.js';
import { OP, type TableSnapshot } from '../../table/snapshot.js';
import type { RepoContext } from '../context.js';
import { isoDate } from '../history.js';
import { formatIdentity } from '../identity.js';
import { comparisonSql, type RowSource } from '../rowdiff.js';
import { readTableTree, snapshotOf, treesEqual, type TableTree } from '../tree.js';
import type { CheckReport, Introducer } from './report.js';

/**
 * `--blame`: for each sampled violating row, the newest commit whose change made the row what it
 * is, found by walking first parents from `start` with only the sampled keys (a few rows) read
 * at each step. Rows the candidate has but `start` does not (a merge result, staged rows) are
 * attributed to no commit yet.
 */
export async function blameViolations(ctx: RepoContext, report: CheckReport, candidate: TableTree, start: string | undefined): Promise<void> {
  const engine = await ctx.engine();
  const startTree = start ? await readTableTree(ctx, start) : undefined;
  const fromStart = startTree !== undefined && treesEqual(startTree, candidate);
  for (const c of report.checks) {
    if (c.passed || !c.table || !c.sample.length || !candidate.tables.has(c.table)) continue;
    const snap = await snapshotOf(ctx, candidate, c.table);
    const identity = snap.identity;
    const keys = c.sample.filter((r) => identity.every((k) => k in r)).map((r) => pick(r, identity));
    if (!keys.length) continue;
    c.introducedBy = await walk(ctx, engine, c.table, snap, keys, fromStart ? start : undefined, fromStart ? undefined : start);
  }
}

const pick = (row: JsonRow, columns: string[]): JsonRow => Object.fromEntries(columns.map((k) => [k, row[k] ?? null]));
const keyOf = (row: JsonRow, columns: string[]) => JSON.stringify(columns.map((k) => row[k] ?? null));

async function walk(
  ctx: RepoContext, engine: Engine, table: string, candidate: TableSnapshot, keys: JsonRow[],
  candidateCommit: string | undefined, startBelow: string | undefined,
): Promise<Introducer[]> {
  const identity = candidate.identity;
  const pending = new Map(keys.map((k) => [keyOf(k, identity), k]));
  const out: Introducer[] = [];
  const blame = async (found: Iterable<string>, commit: string | undefined) => {
    const info = commit ? await ctx.git.readCommit(commit) : undefined;
    for (const k of found) {
      const key = pending.get(k);
      if (!key) continue;
      pending.delete(k);
      out.push(info
        ? { key, commit: info.oid, author: formatIdentity(info.author), date: isoDate(info), message: info.message.split('\n')[0] }
        : { key, commit: null, author: '', message: 'not committed yet' });
    }
  };
  let newer: { snap: TableSnapshot; commit?: string } = { snap: candidate, commit: candidateCommit };
  let next = candidateCommit ? (await ctx.git.readCommit(candidateCommit)).parents[0] : startBelow;
  while (pending.size) {
    const olderTree = next ? await readTableTree(ctx, next) : undefined;
    const older = olderTree?.tables.has(table) ? await snapshotOf(ctx, olderTree, table) : undefined;
    if (!older) { await blame([...pending.keys()], newer.commit); break; }
    if (older.manifest !== newer.snap.manifest) {
      await blame(await changedKeys(engine, [...pending.values()], older, newer.snap), newer.commit);
    }
    newer = { snap: older, commit: next };
    next = (await ctx.git.readCommit(next!)).parents[0];
  }
  return out;
}

/** Which of `keys` differ between two versions of a table (added or changed in `after`). */
async function changedKeys(engine: Engine, keys: JsonRow[], before: TableSnapshot, after: TableSnapshot): Promise<string[]> {
  const identity = after.identity;
  const types = identity.map((k) => after.columns.find((c) => c.name === k)!.type);
  const t = quoteIdent(workName('blamekeys'));
  const params: (string | null)[] = [];
  const rows = keys.map((k) => `(${identity.map((c, i) => {
    const v = k[c];
    params.push(v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));
    return `CAST($${params.length} AS ${types[i]})`;
  }).join(', ')})`);
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${t} AS SELECT * FROM (VALUES ${rows.join(', ')}) v(${identity.map(quoteIdent).join(', ')})`, params);
  try {
    const only = (s: TableSnapshot): RowSource => ({
      sql: `SELECT r.* FROM (${s.sql()}) r SEMI JOIN ${t} k ON ${identity.map((c) => `r.${quoteIdent(c)} IS NOT DISTINCT FROM k.${quoteIdent(c)}`).join(' AND ')}`,
      columns: s.columns, identity: s.identity,
    });
    const { sql } = comparisonSql(only(before), only(after));
    const changed = await engine.all(`SELECT * FROM (${sql}) WHERE ${quoteIdent(OP)} <> 'removed'`);
    return changed.map((r) => keyOf(r, identity));
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${t}`);
  }
}
