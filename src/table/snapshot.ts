import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { identityColumns, type ChunkRef, type Manifest } from './manifest.js';
import { cols, emptyRelation, joinOn, names, sortCols } from './rowsql.js';
import type { Column } from './schema.js';

/** Limits on pruning by key range, for a reader that knows what its keys cost (blame). */
export interface KeyReadLimits {
  /** Past this many keys, scattered keys touch every chunk anyway and the range join costs more than it saves. */
  maxKeys?: number;
  /** Key types whose manifest text casts back to the same value; a key of another type reads every chunk. */
  prunable?: RegExp;
}

/** The change-chunk column saying what happened to a row: 'added', 'modified' or 'removed'. */
export const OP = '__lakegit_op';
const SEQ = '__lakegit_seq';

/**
 * A table as of one manifest: base chunks with the change chunks applied on read (latest wins,
 * 'removed' hides the key). Only SQL text is built here; nothing is read until the query runs.
 */
export class TableSnapshot {
  constructor(
    readonly manifest: Manifest,
    readonly store: ChunkStore,
  ) {}

  get columns() {
    return this.manifest.columns;
  }
  get columnNames() {
    return names(this.manifest.columns);
  }
  get identity() {
    return identityColumns(this.manifest);
  }

  basePaths(): string[] {
    return this.manifest.chunks.map((c) => this.store.pathOf(c.id));
  }

  /** Base chunks only, as a relation: in identity order, as DuckDB keeps a file list's order. */
  baseSql(): string {
    return this.chunksSql(0, this.manifest.chunks.length);
  }

  /** Base chunks [from, to) as a relation, in identity order. */
  chunksSql(from: number, to: number): string {
    const paths = this.basePaths().slice(from, to);
    if (paths.length === 0) return emptyRelation(this.columns);
    return `SELECT ${cols(this.columnNames)} FROM read_parquet(${pathList(paths)})`;
  }

  /**
   * The change chunks folded to one op per key relative to the base: the latest state wins; a key
   * first 'added' stays 'added' (or vanishes if later removed), one first touched otherwise is
   * 'modified' or 'removed'.
   */
  deltaSql(): string | undefined {
    const deltas = this.manifest.deltas;
    if (deltas.length === 0) return undefined;
    const all = cols([...this.columnNames, OP]);
    if (deltas.length === 1) return `SELECT ${all} FROM read_parquet(${pathList([this.store.pathOf(deltas[0].id)])})`;
    const parts = deltas.map((d, i) => `SELECT ${all}, ${i} AS ${SEQ} FROM read_parquet(${pathList([this.store.pathOf(d.id)])})`);
    const op = quoteIdent(OP);
    const id = sortCols(this.identity, this.columns);
    return `SELECT ${cols(this.columnNames)},
        CASE WHEN __lakegit_first = 'added' THEN 'added' WHEN ${op} = 'removed' THEN 'removed' ELSE 'modified' END AS ${op}
      FROM (SELECT *, arg_min(${op}, ${SEQ}) OVER (PARTITION BY ${id}) AS __lakegit_first FROM (${parts.join(' UNION ALL ')})
            QUALIFY row_number() OVER (PARTITION BY ${id} ORDER BY ${SEQ} DESC) = 1)
      WHERE NOT (__lakegit_first = 'added' AND ${op} = 'removed')`;
  }

  /** The rows of the table, unordered. */
  sql(): string {
    const delta = this.deltaSql();
    if (!delta) return this.baseSql();
    const c = this.columnNames;
    // Referenced twice, DuckDB would materialise the CTE with every column, and projection
    // pushdown into the base scan would stop: a two-column aggregate read all columns (3x slower).
    return `WITH __lakegit_d AS NOT MATERIALIZED (${delta}) ${overlaySql(c, this.identity, this.baseSql(), '__lakegit_d')}`;
  }

  /**
   * The rows whose identity is one of `keysSql`'s (key columns of the manifest's types), reading
   * only the base chunks whose key range can hold such a key: a few changed keys cost the chunks
   * they fall in, not the table. This is the one reader by key (diff, merge, blame, the line index).
   */
  async rowsForKeys(engine: Engine, keysSql: string, limits: KeyReadLimits = {}): Promise<string> {
    const chunks = await this.chunksForKeys(engine, keysSql, limits);
    const pruned = new TableSnapshot({ ...this.manifest, chunks }, this.store);
    return `SELECT s.* FROM (${pruned.sql()}) s SEMI JOIN (${keysSql}) k ON ${joinOn(this.identity, 's', 'k')}`;
  }

  /**
   * The base chunks that can hold a key of `keysSql` that no change chunk holds (a change row,
   * whatever its op, hides the base row of its key, so those keys need no base chunk).
   */
  async chunksForKeys(engine: Engine, keysSql: string, limits: KeyReadLimits = {}): Promise<ChunkRef[]> {
    const { key, chunks, deltas } = this.manifest;
    if (!key || chunks.length === 0) return chunks;
    if (limits.prunable && !key.every((k) => limits.prunable!.test(this.columns.find((c) => c.name === k)!.type))) return chunks;
    const changed = deltas.map((d) => this.store.pathOf(d.id));
    const cand = changed.length
      ? `SELECT k.* FROM (${keysSql}) k ANTI JOIN (SELECT ${cols(key)} FROM read_parquet(${pathList(changed)})) d ON ${joinOn(key, 'k', 'd')}`
      : keysSql;
    if (limits.maxKeys !== undefined && Number(await engine.value(`SELECT count(*) FROM (${cand})`)) > limits.maxKeys) return chunks;
    return chunksHolding(engine, chunks, key, this.columns, cand);
  }

  /**
   * The rows in identity order, by sorting them all. Writers use `writeSnapshot` (ordered-write.ts),
   * which sorts only the chunks change rows touch; this stays for Parquet output and as its oracle.
   */
  orderedSql(): string {
    return `SELECT * FROM (${this.sql()}) ORDER BY ${sortCols(this.identity, this.columns)}`;
  }
}

/**
 * `base` with change rows laid over it: a base row whose identity has a change row gives way to it,
 * and a 'removed' change hides it. `changes` (a relation name or a parenthesised query, carrying
 * `OP`) is read twice.
 */
export function overlaySql(columns: readonly string[], identity: readonly string[], base: string, changes: string): string {
  return `SELECT ${cols(columns, 'b')} FROM (${base}) b ANTI JOIN ${changes} d ON ${joinOn(identity, 'b', 'd')}
    UNION ALL SELECT ${cols(columns, 'd')} FROM ${changes} d WHERE d.${quoteIdent(OP)} <> 'removed'`;
}

/**
 * The chunks whose manifest key range [min, max] holds at least one candidate key: DuckDB opens
 * every file it is given, so the list is cut here first. Ranges that cannot be turned back into
 * typed values keep their chunk.
 */
export async function chunksHolding(
  engine: Engine,
  chunks: ChunkRef[],
  key: readonly string[],
  columns: readonly Column[],
  candSql: string,
): Promise<ChunkRef[]> {
  if (chunks.length === 0) return [];
  const types = key.map((k) => columns.find((c) => c.name === k)!.type);
  const params: (string | null)[] = [];
  const bind = (v: unknown, type: string) => {
    params.push(boundText(v));
    return `CAST($${params.length} AS ${type})`;
  };
  const values = chunks.map(
    (c, i) =>
      `(${i}, ${key.map((_, j) => bind(c.min?.[j], types[j])).join(', ')}, ${key.map((_, j) => bind(c.max?.[j], types[j])).join(', ')})`,
  );
  const lo = key.map((_, j) => `__lakegit_lo${j}`);
  const hi = key.map((_, j) => `__lakegit_hi${j}`);
  const k = key.map((name) => `c.${quoteIdent(name)}`);
  const tuple = (xs: string[]) => (xs.length === 1 ? xs[0] : `row(${xs.join(', ')})`);
  const sql = `SELECT DISTINCT r.__lakegit_i AS i FROM (VALUES ${values.join(', ')}) r(__lakegit_i, ${[...lo, ...hi].join(', ')})
    JOIN (${candSql}) c ON ${tuple(k)} >= ${tuple(lo.map((x) => `r.${x}`))} AND ${tuple(k)} <= ${tuple(hi.map((x) => `r.${x}`))}`;
  try {
    const hits = new Set((await engine.all(sql, params)).map((r) => Number(r.i)));
    return chunks.filter((_, i) => hits.has(i));
  } catch {
    return chunks;
  }
}

/** A manifest's key bound (JSON) as the text a bound parameter casts back to its typed value. */
export const boundText = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);
