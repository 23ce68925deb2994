import { pathList, quoteIdent } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { identityColumns, type Manifest } from './manifest.js';
import { cols, emptyRelation, joinOn, names } from './rowsql.js';

/** The change-chunk column saying what happened to a row: 'added', 'modified' or 'removed'. */
export const OP = '__lakegit_op';
const SEQ = '__lakegit_seq';

/**
 * A table as of one manifest: base chunks with the change chunks applied on read (latest wins,
 * 'removed' hides the key). Only SQL text is built here; nothing is read until the query runs.
 */
export class TableSnapshot {
  constructor(readonly manifest: Manifest, readonly store: ChunkStore) {}

  get columns() { return this.manifest.columns; }
  get columnNames() { return names(this.manifest.columns); }
  get identity() { return identityColumns(this.manifest); }

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
    const parts = deltas.map((d, i) =>
      `SELECT ${all}, ${i} AS ${SEQ} FROM read_parquet(${pathList([this.store.pathOf(d.id)])})`);
    const op = quoteIdent(OP);
    const id = cols(this.identity);
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
    return `WITH __lg_d AS (${delta})
      SELECT ${cols(c, 'b')} FROM (${this.baseSql()}) b ANTI JOIN __lg_d d ON ${joinOn(this.identity, 'b', 'd')}
      UNION ALL SELECT ${cols(c, 'd')} FROM __lg_d d WHERE d.${quoteIdent(OP)} <> 'removed'`;
  }

  /**
   * The rows in identity order, by sorting them all. Writers use `writeSnapshot` (ordered-write.ts),
   * which sorts only the chunks change rows touch; this stays for Parquet output and as its oracle.
   */
  orderedSql(): string {
    return `SELECT * FROM (${this.sql()}) ORDER BY ${cols(this.identity)}`;
  }
}
