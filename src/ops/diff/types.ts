import type { JsonRow } from '../../engine/db.js';
import type { Column } from '../../table/schema.js';
import type { RowCounts } from './rowdiff.js';

export type DiffOp = 'added' | 'removed' | 'modified';

/**
 * One changed row. `key` holds the primary-key columns (null for keyless tables, which diff as
 * multisets: one row per copy added or removed). `changed` lists the compared columns whose value
 * moved, for modified rows only.
 */
export interface DiffRow {
  op: DiffOp;
  key: JsonRow | null;
  before: JsonRow | null;
  after: JsonRow | null;
  changed: string[];
}

export interface SchemaDelta {
  added: Column[];
  removed: Column[];
  changed: { name: string; from: string; to: string }[];
  /** Present only when the common columns changed order. */
  reordered?: true;
}

export type TableStatus = 'added' | 'removed' | 'modified' | 'renamed';

/** A column of the compared pair: its type on each side (absent where the side lacks it). */
export interface PairColumn {
  name: string;
  before?: string;
  after?: string;
  key: boolean;
}

export interface DiffOptions {
  /** Revisions and table names as typed (`main fix orders`, `v1..v2`, `orders@v1`); resolved like git does. */
  args?: string[];
  /** One commit against its first parent (the empty tree for a root commit), as `show` compares; instead of `args`. */
  commit?: string;
  /** Names after `--`: always tables. */
  tables?: string[];
  /** Index vs HEAD (or vs the one revision given). */
  staged?: boolean;
  /** A DuckDB boolean expression over a row, applied to both sides. */
  where?: string;
  /** Only changes to these columns count. */
  columns?: string[];
}

export interface RowOptions {
  /** Stop after this many rows. */
  limit?: number;
  /** Values as DuckDB's own text form (what CAST(x AS VARCHAR) gives) instead of contract JSON. */
  text?: boolean;
}

/** Which path a table's comparison took and how many chunk files it hands DuckDB. */
export interface PlanInfo {
  kind: 'same' | 'pruned' | 'full' | 'working';
  chunksRead: number;
  chunksTotal: number;
}

export interface TableDiff {
  table: string;
  status: TableStatus;
  /** The old name, for renamed tables. */
  from?: string;
  schema: SchemaDelta;
  /** Primary key, or null when the pair compares as multisets. */
  key: string[] | null;
  beforeColumns: Column[] | null;
  afterColumns: Column[] | null;
  /** Columns shown in rows: after's order, then columns only the old side has. */
  columns: PairColumn[];
  /** What the comparison reads (planned on first call). */
  plan(): Promise<PlanInfo>;
  stats(): Promise<RowCounts>;
  /** True when no row differs (cheap: stops at the first difference). */
  rowsEqual(): Promise<boolean>;
  /** Changed rows in key order, in batches; never the whole diff in memory. */
  rows(opts?: RowOptions): AsyncGenerator<DiffRow[]>;
  /**
   * The same rows as the contract's JSON text joined by `,\n` (no separator before the first or after
   * the last), in pieces of text or UTF-8 bytes cut at row ends; rendered by DuckDB where it can.
   */
  jsonText(opts?: Pick<RowOptions, 'limit'>): AsyncGenerator<string | Uint8Array>;
}

export interface DiffSession {
  /** A commit id, or INDEX, or WORKING. */
  from: string;
  to: string;
  /** How many tables the diff covers (what `tables()` may yield at most). */
  tableCount: number;
  /** Tables whose content may differ, by name; each one's resources are released when the next is asked for. */
  tables(): AsyncGenerator<TableDiff>;
}
