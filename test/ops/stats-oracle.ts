import { expect } from 'vitest';
import { quoteIdent, quoteLiteral } from '../../src/engine/quote.js';
import { recordedChanges } from '../../src/ops/change-stats.js';
import type { RowCounts } from '../../src/ops/diff/rowdiff.js';
import { readTableTree } from '../../src/ops/tree.js';
import type { Sandbox, Schema } from './merge/oracle-fixture.js';

// The oracle of the change counts a commit records (issue 15): the full-join diff of its table `t`
// against its first parent's, computed in plain DuckDB SQL from the two whole snapshots. Shared by
// change-stats.property (every verb that writes a commit) and pick-stats.property (reverts and picks
// that reuse the picked commit's counts).

const q = quoteIdent;
const lit = quoteLiteral;

/** The table at a commit as a Parquet file lakegit's `sql` wrote (none where the table is absent). */
export async function tableFileAt(x: Sandbox, oid: string | undefined): Promise<string | undefined> {
  if (!oid || !(await readTableTree(x.repo.ctx, oid)).tables.has('t')) return undefined;
  const out = `${x.dir}/at-${oid}.parquet`;
  await x.repo.sql(`SELECT * FROM t@${oid}`, { output: out });
  return out;
}

async function columnsOf(x: Sandbox, file: string): Promise<string[]> {
  return (await x.engine.all(`DESCRIBE SELECT * FROM read_parquet(${lit(file)})`)).map((r) => String(r.column_name));
}

/** The full-join diff's counts of two whole snapshots over the union of their columns (a missing column is NULL). */
export async function oracleCounts(x: Sandbox, s: Schema, beforeFile?: string, afterFile?: string): Promise<RowCounts> {
  const [bc, ac] = [beforeFile ? await columnsOf(x, beforeFile) : [], afterFile ? await columnsOf(x, afterFile) : []];
  const all = [...new Set([...bc, ...ac])];
  const side = (file: string | undefined, have: string[], flag: string) =>
    file
      ? `SELECT ${all.map((c) => (have.includes(c) ? q(c) : `NULL AS ${q(c)}`)).join(', ')}, 1 AS ${flag} FROM read_parquet(${lit(file)})`
      : `SELECT ${all.map((c) => `NULL AS ${q(c)}`).join(', ')}, 1 AS ${flag} WHERE false`;
  const [b, a] = [side(beforeFile, bc, 'nb'), side(afterFile, ac, 'na')];
  const cs = all.map(q).join(', ');
  if (s.kind === 'keyless') {
    const [r] = await x.engine.all(
      `SELECT coalesce(sum(greatest(na - nb, 0)), 0)::BIGINT AS added, coalesce(sum(greatest(nb - na, 0)), 0)::BIGINT AS removed
       FROM (SELECT ${cs}, sum(nb) AS nb, sum(na) AS na FROM (SELECT *, 0 AS na FROM (${b}) UNION ALL BY NAME SELECT *, 0 AS nb FROM (${a})) GROUP BY ${cs})`,
    );
    return { added: Number(r.added), removed: Number(r.removed), modified: 0 };
  }
  const on = s.key.map((k) => `b.${q(k)} = a.${q(k)}`).join(' AND ');
  const differs = all.map((c) => `b.${q(c)} IS DISTINCT FROM a.${q(c)}`).join(' OR ');
  const [r] = await x.engine.all(
    `SELECT count(*) FILTER (WHERE b.nb IS NULL) AS added, count(*) FILTER (WHERE a.na IS NULL) AS removed,
            count(*) FILTER (WHERE b.nb IS NOT NULL AND a.na IS NOT NULL AND (${differs})) AS modified
     FROM (${b}) b FULL OUTER JOIN (${a}) a ON ${on}`,
  );
  return { added: Number(r.added), removed: Number(r.removed), modified: Number(r.modified) };
}

/** Every commit the branches reach, and those that `tips` (stashes, say) reach. */
export async function commitsReached(x: Sandbox, tips: string[] = []): Promise<string[]> {
  const seen = new Set<string>();
  for (const queue = [...(await x.repo.log({ all: true })).map((e) => e.commit), ...tips]; queue.length;) {
    const oid = queue.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    queue.push(...(await x.repo.ctx.git.readCommit(oid)).parents);
  }
  return [...seen];
}

/**
 * Every commit has a usable record, and its count for `t` is the oracle's (none where `t` did not
 * change). Returns how many commits it checked.
 */
export async function expectRecordsMatchOracle(x: Sandbox, s: Schema, tips: string[] = []): Promise<number> {
  const ctx = x.repo.ctx;
  const commits = await commitsReached(x, tips);
  for (const oid of commits) {
    const c = await ctx.git.readCommit(oid);
    const [parentTree, tree] = [await readTableTree(ctx, c.parents[0]), await readTableTree(ctx, oid)];
    const recorded = await recordedChanges(ctx, c, parentTree, tree);
    expect(recorded, `commit ${c.message.trim()} has no usable record`).toBeDefined();
    const expected =
      tree.tables.get('t') === parentTree.tables.get('t')
        ? undefined
        : await oracleCounts(x, s, await tableFileAt(x, c.parents[0]), await tableFileAt(x, oid));
    expect(recorded!.get('t'), `commit '${c.message.trim()}'`).toEqual(expected);
  }
  return commits.length;
}
