import type { Engine, JsonRow } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { blame } from './index.js';
import { workName } from '../../table/changes.js';
import { OP, type TableSnapshot } from '../../table/snapshot.js';
import type { RepoContext } from '../context.js';
import { comparisonSql, type RowSource } from '../diff/rowdiff.js';
import { readTableTree, snapshotOf, treesEqual, type TableTree } from '../tree.js';
import type { CheckReport, Introducer } from '../checks/report.js';

/**
 * `--blame`: for each sampled violating row, the newest commit whose change made the row what it
 * is — the blame engine (src/ops/blame/) restricted to the sampled keys. The candidate is a
 * commit's tree, or a merge result not committed yet, whose would-be parents are `parents` (first
 * parent first). As blame goes through a merge: a row equal to a parent's is blamed as in the
 * first such parent; a row equal to none is the merge's own, attributed to no commit yet.
 */
export async function blameViolations(ctx: RepoContext, report: CheckReport, candidate: TableTree, parents: string[]): Promise<void> {
  const engine = await ctx.engine();
  const trees = await Promise.all(parents.map(async (oid) => ({ oid, tree: await readTableTree(ctx, oid) })));
  const asParent = trees.find((p) => treesEqual(p.tree, candidate));
  for (const c of report.checks) {
    if (c.passed || !c.table || !c.sample.length || !candidate.tables.has(c.table)) continue;
    const table = c.table;
    const snap = await snapshotOf(ctx, candidate, table);
    const identity = snap.identity;
    let keys = c.sample.filter((r) => identity.every((k) => k in r)).map((r) => pick(r, identity));
    if (!keys.length) continue;
    const found = new Map<string, Introducer>();
    const blameAt = async (oid: string, at: TableSnapshot, which: JsonRow[]) => {
      for (const i of await blameKeys(ctx, table, oid, at, which)) found.set(keyOf(i.key, identity), i);
    };
    const sides = asParent ? [asParent] : trees;
    for (const p of sides) {
      if (!keys.length || !p.tree.tables.has(table)) continue;
      const at = await snapshotOf(ctx, p.tree, table);
      const changed = new Set(p === asParent ? [] : await changedKeys(engine, keys, at, snap));
      const same = keys.filter((k) => !changed.has(keyOf(k, identity)));
      if (same.length) await blameAt(p.oid, at, same);
      keys = keys.filter((k) => changed.has(keyOf(k, identity)));
    }
    for (const key of keys) found.set(keyOf(key, identity), { key, commit: null, author: '', message: 'not committed yet' });
    c.introducedBy = c.sample
      .filter((r) => identity.every((k) => k in r))
      .flatMap((r) => found.get(keyOf(pick(r, identity), identity)) ?? []);
  }
}

const pick = (row: JsonRow, columns: string[]): JsonRow => Object.fromEntries(columns.map((k) => [k, row[k] ?? null]));
const keyOf = (row: JsonRow, columns: string[]) => JSON.stringify(columns.map((k) => row[k] ?? null));
/** A key value as the text a bound parameter carries (cast to the column's type in SQL). */
const paramText = (v: JsonRow[string]) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The blame engine's answer for just these keys of `table` at commit `rev`. */
async function blameKeys(ctx: RepoContext, table: string, rev: string, snap: TableSnapshot, keys: JsonRow[]): Promise<Introducer[]> {
  const typeOf = (c: string) => snap.columns.find((x) => x.name === c)!.type;
  const whereParams: (string | null)[] = [];
  const bound = (c: string, v: JsonRow[string]) => {
    whereParams.push(paramText(v));
    return `${quoteIdent(c)} = CAST($${whereParams.length} AS ${typeOf(c)})`;
  };
  const where = keys
    .map((k) => `(${snap.identity.map((c) => (k[c] === null ? `${quoteIdent(c)} IS NULL` : bound(c, k[c]))).join(' AND ')})`)
    .join(' OR ');
  const result = await blame(ctx, { ref: `"${table}"@${rev}`, where, whereParams });
  const found = new Map<string, Introducer>();
  for await (const batch of result.rows) {
    for (const r of batch)
      found.set(keyOf(r.key, snap.identity), {
        key: r.key,
        commit: r.commit,
        author: r.author,
        date: r.date,
        message: r.message.split('\n')[0],
      });
  }
  return keys.flatMap((k) => found.get(keyOf(k, snap.identity)) ?? []);
}

/** Which of `keys` differ between two versions of a table (added or changed in `after`). */
async function changedKeys(engine: Engine, keys: JsonRow[], before: TableSnapshot, after: TableSnapshot): Promise<string[]> {
  const identity = after.identity;
  const types = identity.map((k) => after.columns.find((c) => c.name === k)!.type);
  const t = quoteIdent(workName('blamekeys'));
  const params: (string | null)[] = [];
  const rows = keys.map(
    (k) =>
      `(${identity
        .map((c, i) => {
          const v = k[c];
          params.push(paramText(v));
          return `CAST($${params.length} AS ${types[i]})`;
        })
        .join(', ')})`,
  );
  await engine.run(
    `CREATE OR REPLACE TEMP TABLE ${t} AS SELECT * FROM (VALUES ${rows.join(', ')}) v(${identity.map(quoteIdent).join(', ')})`,
    params,
  );
  try {
    const only = (s: TableSnapshot): RowSource => ({
      sql: `SELECT r.* FROM (${s.sql()}) r SEMI JOIN ${t} k ON ${identity.map((c) => `r.${quoteIdent(c)} IS NOT DISTINCT FROM k.${quoteIdent(c)}`).join(' AND ')}`,
      columns: s.columns,
      identity: s.identity,
    });
    const { sql } = comparisonSql(only(before), only(after));
    const changed = await engine.all(`SELECT * FROM (${sql}) WHERE ${quoteIdent(OP)} <> 'removed'`);
    return changed.map((r) => keyOf(r, identity));
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${t}`);
  }
}
