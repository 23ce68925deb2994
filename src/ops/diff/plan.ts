import type { Engine } from '../../engine/db.js';
import { pathList } from '../../engine/quote.js';
import type { ChunkRef, Manifest } from '../../table/manifest.js';
import { cols, emptyRelation, joinOn, names } from '../../table/rowsql.js';
import { schemaSignature, type Column } from '../../table/schema.js';
import { chunksHolding, overlaySql, TableSnapshot } from '../../table/snapshot.js';
import type { PlanInfo } from './types.js';

/** One side of a table comparison: a stored snapshot, or rows already in DuckDB (a working file). */
export interface Side {
  columns: Column[];
  key: string[] | null;
  snapshot?: TableSnapshot;
  /** The rows, when there is no snapshot. */
  sql?: string;
}

export interface PlannedPair extends PlanInfo {
  before: string;
  after: string;
  /**
   * When set, the same comparison can run key range by key range over these two snapshots
   * (chunk lists cut to what differs): each range reads only its chunks, joins and sorts little.
   */
  ranged?: { before: TableSnapshot; after: TableSnapshot };
  /** Common table expressions `before`/`after` refer to. */
  prelude: string[];
  /** The key rows are matched by; null for multisets. */
  key: string[] | null;
}

/** When the chunks present on one side only hold more than this share of the rows, read everything. */
const FULL_JOIN_SHARE = 0.9;

/** Equal keys on both sides, else the pair compares as multisets. */
export const pairKey = (a: Pick<Side, 'key'>, b: Pick<Side, 'key'>): string[] | null =>
  a.key && b.key && JSON.stringify(a.key) === JSON.stringify(b.key) ? a.key : null;

/** Same rows, same schema, same key: decided from the manifests alone. */
export const sameData = (a: Manifest, b: Manifest): boolean =>
  JSON.stringify([a.key, a.columns, a.chunks.map((c) => c.id), a.deltas.map((d) => d.id)]) ===
  JSON.stringify([b.key, b.columns, b.chunks.map((c) => c.id), b.deltas.map((d) => d.id)]);

const sideSql = (s: Side): string => s.sql ?? s.snapshot!.sql();

const chunkCount = (...ms: Manifest[]): number => new Set(ms.flatMap((m) => [...m.chunks, ...m.deltas].map((c) => c.id))).size;

/**
 * Decide what to read. Equal manifests read nothing. Otherwise chunks present on both sides
 * cancel out: every key of a chunk only one side has lives, on the other side, in a chunk only
 * that side has (or nowhere), so those rows are compared with each other; shared chunks are read
 * only for the keys of change chunks that differ, and only where the manifest's key ranges say
 * such a key can be. When nothing is shared the plain full join is the plan.
 */
export async function planPair(engine: () => Promise<Engine>, before: Side, after: Side): Promise<PlannedPair> {
  const key = pairKey(before, after);
  const b = before.snapshot?.manifest;
  const a = after.snapshot?.manifest;
  if (!b || !a) {
    const read = [b, a].filter((m): m is Manifest => !!m);
    const n = read.length ? chunkCount(...read) : 0;
    return { kind: 'working', before: sideSql(before), after: sideSql(after), prelude: [], key, chunksRead: n, chunksTotal: n };
  }
  const total = chunkCount(b, a);
  if (sameData(b, a)) return { kind: 'same', before: '', after: '', prelude: [], key, chunksRead: 0, chunksTotal: total };
  const full: PlannedPair = {
    kind: 'full',
    before: sideSql(before),
    after: sideSql(after),
    prelude: [],
    key,
    chunksRead: total,
    chunksTotal: total,
    ...(key && sameKeyTypes(b, a, key) ? { ranged: { before: before.snapshot!, after: after.snapshot! } } : {}),
  };
  if (schemaSignature(b.columns) !== schemaSignature(a.columns) || JSON.stringify(b.key) !== JSON.stringify(a.key)) return full;

  const { common, onlyB, onlyA } = splitChunks(b, a);
  const rows = (cs: ChunkRef[]) => cs.reduce((n, c) => n + c.rows, 0);
  if (common.length === 0 || rows(onlyB) + rows(onlyA) > FULL_JOIN_SHARE * (rows(b.chunks) + rows(a.chunks))) return full;
  if (!key) {
    // Multisets add up chunk by chunk: shared chunks contribute equally to both sides.
    if (b.deltas.length || a.deltas.length) return full;
    const store = before.snapshot!.store;
    const rel = (cs: ChunkRef[]) =>
      baseRelation(
        b.columns,
        cs.map((c) => store.pathOf(c.id)),
      );
    return {
      kind: 'pruned',
      before: rel(onlyB),
      after: rel(onlyA),
      prelude: [],
      key,
      chunksRead: onlyB.length + onlyA.length,
      chunksTotal: total,
    };
  }
  return prunedKeyed(await engine(), before.snapshot!, after.snapshot!, { common, onlyB, onlyA, key, total });
}

const sameKeyTypes = (b: Manifest, a: Manifest, key: string[]): boolean =>
  key.every((k) => b.columns.find((c) => c.name === k)?.type === a.columns.find((c) => c.name === k)?.type);

/** Base chunks on both sides (by id) and on one side only. */
export function splitChunks(b: Manifest, a: Manifest): { common: ChunkRef[]; onlyB: ChunkRef[]; onlyA: ChunkRef[] } {
  const aIds = new Set(a.chunks.map((c) => c.id));
  const bIds = new Set(b.chunks.map((c) => c.id));
  return {
    common: b.chunks.filter((c) => aIds.has(c.id)),
    onlyB: b.chunks.filter((c) => !aIds.has(c.id)),
    onlyA: a.chunks.filter((c) => !bIds.has(c.id)),
  };
}

export interface Split {
  common: ChunkRef[];
  onlyB: ChunkRef[];
  onlyA: ChunkRef[];
  key: string[];
  total: number;
}

/**
 * Both sides as the rows that may differ. With `only` (a query of key values), both sides are
 * restricted to those keys and shared chunks are searched for them alone.
 */
export async function prunedKeyed(
  engine: Engine,
  before: TableSnapshot,
  after: TableSnapshot,
  s: Split,
  only?: string,
): Promise<PlannedPair> {
  const b = before.manifest;
  const a = after.manifest;
  const store = before.store;
  let p = 0;
  while (p < b.deltas.length && p < a.deltas.length && b.deltas[p].id === a.deltas[p].id) p++;
  const differing = [...new Set([...b.deltas.slice(p), ...a.deltas.slice(p)].map((d) => store.pathOf(d.id)))];
  const prelude: string[] = [];
  let shared: ChunkRef[] = [];
  const cand = only ?? (differing.length ? `SELECT DISTINCT ${cols(s.key)} FROM read_parquet(${pathList(differing)})` : undefined);
  if (cand) {
    prelude.push(`__lakegit_cand AS MATERIALIZED (${cand})`);
    shared = await chunksHolding(engine, s.common, s.key, b.columns, cand);
    if (shared.length) {
      prelude.push(`__lakegit_common AS MATERIALIZED (SELECT ${cols(names(b.columns), 'x')}
        FROM read_parquet(${pathList(shared.map((c) => store.pathOf(c.id)))}) x SEMI JOIN __lakegit_cand c ON ${joinOn(s.key, 'x', 'c')})`);
    }
  }
  const side = (snap: TableSnapshot, own: ChunkRef[], tag: string) => {
    const parts = [
      ...(own.length ? [`SELECT ${cols(names(b.columns))} FROM read_parquet(${pathList(own.map((c) => store.pathOf(c.id)))})`] : []),
      ...(shared.length ? [`SELECT ${cols(names(b.columns))} FROM __lakegit_common`] : []),
    ];
    const base = parts.length ? parts.join(' UNION ALL ') : emptyRelation(b.columns);
    const delta = snap.deltaSql();
    if (!delta) return restrict(base);
    prelude.push(`${tag} AS MATERIALIZED (${delta})`);
    return restrict(overlaySql(names(b.columns), s.key, base, tag));
  };
  const restrict = (rel: string) => (only ? `SELECT * FROM (${rel}) r SEMI JOIN __lakegit_cand c ON ${joinOn(s.key, 'r', 'c')}` : rel);
  const beforeSql = side(before, s.onlyB, '__lakegit_db');
  const afterSql = side(after, s.onlyA, '__lakegit_da');
  const deltas = new Set([...b.deltas, ...a.deltas].map((d) => d.id)).size;
  // Without change chunks that differ, each side is just its own chunks (and the shared deltas).
  const ranged = cand
    ? undefined
    : {
        before: new TableSnapshot({ ...b, chunks: s.onlyB }, store),
        after: new TableSnapshot({ ...a, chunks: s.onlyA }, store),
      };
  return {
    kind: 'pruned',
    before: beforeSql,
    after: afterSql,
    prelude,
    key: s.key,
    chunksRead: s.onlyB.length + s.onlyA.length + shared.length + deltas,
    chunksTotal: s.total,
    ...(ranged ? { ranged } : {}),
  };
}

const baseRelation = (columns: Column[], paths: string[]): string =>
  paths.length ? `SELECT ${cols(names(columns))} FROM read_parquet(${pathList(paths)})` : emptyRelation(columns);
