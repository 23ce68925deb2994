import type { Engine } from '../../engine/db.js';
import { pathList, quoteIdent } from '../../engine/quote.js';
import type { DeltaRef } from '../../table/manifest.js';
import { cols } from '../../table/rowsql.js';
import { schemaSignature } from '../../table/schema.js';
import { OP } from '../../table/snapshot.js';
import type { RowCounts } from './rowdiff.js';
import { Comparison } from './compare.js';
import { prunedKeyed, splitChunks, type Side } from './plan.js';

const isPrefix = (short: DeltaRef[], long: DeltaRef[]) => short.length <= long.length && short.every((d, i) => d.id === long[i].id);

/**
 * Row counts from change chunks alone, when one side is the other plus change chunks over the same
 * base (nearby commits, the index over HEAD). Each change chunk records its rows' op against the
 * snapshot before it, so a key touched once in the newer chunks counts as that op; only keys
 * touched more than once (changed and maybe changed back) are compared by value.
 * Undefined when the manifests do not have that shape.
 */
export async function composedCounts(engine: () => Promise<Engine>, before: Side, after: Side): Promise<RowCounts | undefined> {
  const b = before.snapshot?.manifest;
  const a = after.snapshot?.manifest;
  if (!b || !a || !b.key || JSON.stringify(b.key) !== JSON.stringify(a.key)) return undefined;
  if (schemaSignature(b.columns) !== schemaSignature(a.columns)) return undefined;
  if (JSON.stringify(b.chunks.map((c) => c.id)) !== JSON.stringify(a.chunks.map((c) => c.id))) return undefined;
  const forward = isPrefix(b.deltas, a.deltas);
  if (!forward && !isPrefix(a.deltas, b.deltas)) return undefined;
  const [short, long] = forward ? [b, a] : [a, b];
  const fresh = long.deltas.slice(short.deltas.length);
  const counts: RowCounts = { added: 0, removed: 0, modified: 0 }; // not rowdiff's zeroCounts: rowdiff imports this file
  if (fresh.length === 0) return counts;
  const store = before.snapshot!.store;
  const key = b.key;
  const op = quoteIdent(OP);
  const touches = `SELECT ${cols(key)}, count(*) AS __lakegit_c, any_value(${op}) AS __lakegit_op FROM (${fresh
    .map((d) => `SELECT ${cols(key)}, ${op} FROM read_parquet(${pathList([store.pathOf(d.id)])})`)
    .join(' UNION ALL ')}) GROUP BY ALL`;
  const db = await engine();
  const flip: Record<string, keyof RowCounts> = forward
    ? { added: 'added', removed: 'removed', modified: 'modified' }
    : { added: 'removed', removed: 'added', modified: 'modified' };
  for (const r of await db.all(`SELECT __lakegit_op AS op, count(*) AS n FROM (${touches}) WHERE __lakegit_c = 1 GROUP BY 1`)) {
    counts[flip[String(r.op)]] += Number(r.n);
  }
  if (fresh.length === 1) return counts;
  const multi = `SELECT ${cols(key)} FROM (${touches}) WHERE __lakegit_c > 1`;
  if (Number(await db.value(`SELECT count(*) FROM (${multi})`)) === 0) return counts;
  const split = { ...splitChunks(b, a), key, total: 0 };
  const plan = await prunedKeyed(db, before.snapshot!, after.snapshot!, split, multi);
  const cmp = new Comparison({
    before: plan.before,
    after: plan.after,
    beforeColumns: b.columns,
    afterColumns: a.columns,
    key,
    prelude: plan.prelude,
  });
  for (const r of await db.all(cmp.countsSql())) counts[r.op as keyof RowCounts] += Number(r.n);
  return counts;
}
