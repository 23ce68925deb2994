import type { Json } from '@duckdb/node-api';
import type { Engine } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import type { ChunkRef, Manifest } from '../../table/manifest.js';
import { boundText } from '../../table/snapshot.js';

/** Rows per key range: a range's join and sort stay small, and few enough queries run. Tests lower it. */
export const rangeTuning = { rows: 262_144 };

/** A slice of the key space, [lo, hi) (open where absent), with the chunks of each side it touches. */
export interface KeyRange {
  lo?: Json[];
  hi?: Json[];
  before: ChunkRef[];
  after: ChunkRef[];
}

const tuple = (xs: string[]) => (xs.length === 1 ? xs[0] : `row(${xs.join(', ')})`);

/** A SQL condition with the values it binds, `$1`… in order (the condition uses no other parameters). */
export interface BoundPredicate {
  sql: string;
  params: (string | null)[];
}

/**
 * `lo <= key < hi` over the key columns, the bounds bound as parameters (text cast to the key's
 * type, as in keyRanges): the comparison's queries carry them beside their SQL.
 */
export function rangePredicate(r: Pick<KeyRange, 'lo' | 'hi'>, key: string[], types: string[], alias?: string): BoundPredicate {
  const k = tuple(key.map((c) => (alias ? `${alias}.${quoteIdent(c)}` : quoteIdent(c))));
  const params: (string | null)[] = [];
  const bound = (vs: Json[]) =>
    tuple(
      vs.map((v, i) => {
        params.push(boundText(v));
        return `CAST($${params.length} AS ${types[i]})`;
      }),
    );
  const parts = [...(r.lo ? [`${k} >= ${bound(r.lo)}`] : []), ...(r.hi ? [`${k} < ${bound(r.hi)}`] : [])];
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}

/**
 * Cut the key space at chunk boundaries (every few chunks of the side with more of them) and find,
 * by the manifests' key ranges, which chunks of each side every slice needs. Chunk boundaries follow
 * the keys, so two versions of a table usually share them and each chunk is read once.
 * Undefined when there is nothing to cut or the ranges cannot be read back as typed values.
 */
export async function keyRanges(
  engine: Engine,
  before: Manifest,
  after: Manifest,
  key: string[],
  types: string[],
): Promise<KeyRange[] | undefined> {
  const guide = after.chunks.length >= before.chunks.length ? after.chunks : before.chunks;
  const cuts: Json[][] = [];
  let rows = 0;
  for (const c of guide) {
    if (rows >= rangeTuning.rows) {
      cuts.push(c.min);
      rows = 0;
    }
    rows += c.rows;
  }
  if (cuts.length === 0) return undefined;
  const ranges: KeyRange[] = [...cuts, undefined].map((hi, j) => ({ lo: j ? cuts[j - 1] : undefined, hi, before: [], after: [] }));
  const chunks = [...before.chunks.map((c) => ['b', c] as const), ...after.chunks.map((c) => ['a', c] as const)];
  if (chunks.some(([, c]) => !c.min || !c.max || c.min.length !== key.length)) return undefined;
  const params: (string | null)[] = [];
  const bind = (vs: Json[]) =>
    vs.map((v, j) => {
      params.push(boundText(v));
      return `CAST($${params.length} AS ${types[j]})`;
    });
  const values = chunks.map(([, c], i) => `(${i}, ${bind(c.min).join(', ')}, ${bind(c.max).join(', ')})`);
  const lo = key.map((_, j) => `c.lo${j}`);
  const hi = key.map((_, j) => `c.hi${j}`);
  const conds = ranges.map((r, j) => {
    const above = r.lo ? `${tuple(hi)} >= ${tuple(bind(r.lo))}` : 'true';
    const below = r.hi ? `${tuple(lo)} < ${tuple(bind(r.hi))}` : 'true';
    return `SELECT ${j} AS r, c.i FROM __lakegit_chunks c WHERE ${above} AND ${below}`;
  });
  const sql = `WITH __lakegit_chunks AS (SELECT * FROM (VALUES ${values.join(', ')}) v(i, ${[...lo, ...hi].map((x) => x.slice(2)).join(', ')}))
    ${conds.join(' UNION ALL ')}`;
  try {
    for (const row of await engine.all(sql, params)) {
      const [side, chunk] = chunks[Number(row.i)];
      (side === 'b' ? ranges[Number(row.r)].before : ranges[Number(row.r)].after).push(chunk);
    }
  } catch {
    return undefined;
  }
  const order = (m: Manifest, cs: ChunkRef[]) => m.chunks.filter((c) => cs.includes(c));
  return ranges.map((r) => ({ ...r, before: order(before, r.before), after: order(after, r.after) }));
}
