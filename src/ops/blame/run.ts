import type { Engine } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import type { ChunkStore } from '../../store/chunks.js';
import { workName } from '../../table/changes.js';
import type { Manifest } from '../../table/manifest.js';
import { col } from '../../table/rowsql.js';
import type { Column } from '../../table/schema.js';
import { comparable } from '../diff/pair-columns.js';

/** A blamed unit: one column (`--cells`), or the tracked columns of the row together (label '*'). */
export interface CellSpec {
  label: string;
  columns: string[];
}

/** What is being blamed: fixed at the blamed revision, so every older version is read as it. */
export interface BlameSpec {
  identity: string[];
  keyless: boolean;
  /** Column types at the blamed revision; older versions are cast to them before comparing. */
  types: Map<string, string>;
  cells: CellSpec[];
  /** The columns reported one by one (`--cells`); empty for row blame. */
  labels: string[];
}

export interface CommitMeta {
  commit: string;
  author: string;
  date: string;
  message: string;
}

/** Rows still unblamed at a commit: a DuckDB table, and the table's name in that commit. */
export interface Pending {
  table: string;
  name: string;
}

/** One parent as seen from a commit: its id, and the table there (absent: the commit added it). */
export interface ParentSide {
  oid: string;
  name?: string;
  blob?: string;
  manifest?: Manifest;
}

/** The child side of a step: a committed manifest, or rows that have none (the working file). */
export interface ChildSide {
  meta: CommitMeta;
  manifest?: Manifest;
}

// Every internal column name lives under `__lakegit_`, which no user column may take (spec).
export const H = (i: number) => `__lakegit_h${i}`; // a cell's hash at the blamed revision
export const P = (i: number) => `__lakegit_p${i}`; // the cell is still unblamed
export const X = (j: number, i: number) => `__lakegit_x${j}_${i}`; // cell i differs from parent j
export const HAS = (j: number) => `__lakegit_has${j}`; // parent j has the row
export const CELL = '__lakegit_cell';
export const ORD = '__lakegit_ord';
export const COPIES = '__lakegit_copies'; // keyless: copies still unblamed
export const TOTAL = '__lakegit_total'; // keyless: copies of that row in the commit
export const ARRIVALS = '__lakegit_arrivals'; // keyless: how many lines of history handed these copies here

/**
 * The state of one blame: the spec, the result table (identity, cell, commit ordinal), the
 * commits that got blamed, and every work table, so all are dropped at the end.
 */
export class BlameRun {
  readonly commits: CommitMeta[] = [];
  private readonly ordinals = new Map<string, number>();
  private readonly temps = new Set<string>();
  readonly results: string;
  /**
   * Pending tables whose hashes are not computed yet: a walk down lines of history (chain.ts) needs
   * none, so they are filled from the start's rows only when a commit is compared cell by cell.
   */
  readonly unhashed = new Set<string>();
  /** The rows at the start, which the hashes of `unhashed` tables are computed from. */
  startRows = '';
  startColumns: readonly Column[] = [];
  /**
   * Set when the results are not a table but computed as they are read (a whole line, whole-line.ts):
   * a relation of the results table's columns.
   */
  resultRelation?: string;
  /** The longest key's text length, when it was learnt on the way. */
  keyWidth?: number;
  /** How many rows the results hold, when known before they are read. */
  resultCount?: number;
  /** A narrower type every value of the one key column fits (INTEGER), when known. */
  keyCast?: string;

  constructor(
    readonly engine: Engine,
    readonly store: ChunkStore,
    readonly spec: BlameSpec,
  ) {
    this.results = this.temp('res');
  }

  temp(stem: string): string {
    const name = workName(`blame_${stem}`);
    this.temps.add(name);
    return name;
  }

  /** The results (identity, cell, commit ordinal) as a relation to select from. */
  resultRows(): string {
    return this.resultRelation ?? quoteIdent(this.results);
  }

  /** A row's identity as the text the table format prints (columns joined by commas). */
  keyText(alias?: string): string {
    return this.spec.identity.map((k) => `coalesce(CAST(${col(k, alias)} AS VARCHAR), 'NULL')`).join(` || ',' || `);
  }

  async drop(...names: (string | undefined)[]): Promise<void> {
    for (const n of names) {
      if (!n) continue;
      await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(n)}`);
      this.temps.delete(n);
      this.unhashed.delete(n);
    }
  }

  /** Give a pending table its cells' hashes at the start (its rows are still as they were there). */
  async ensureHashes(table: string): Promise<void> {
    if (!this.unhashed.delete(table)) return;
    const t = quoteIdent(table);
    const set = this.spec.cells.map((_, i) => `${quoteIdent(H(i))} = s.${quoteIdent(H(i))}`).join(', ');
    await this.engine.run(`UPDATE ${t} SET ${set} FROM (SELECT ${this.ids()}, ${this.hashes(this.startColumns)} FROM (${this.startRows})) s
      WHERE ${this.join(t, 's')}`);
  }

  async dropAll(): Promise<void> {
    await this.drop(...this.temps);
  }

  /** Results are ordered by the walk: the first commit blamed is the newest. */
  ordinal(meta: CommitMeta): number {
    let o = this.ordinals.get(meta.commit);
    if (o === undefined) {
      o = this.commits.length;
      this.commits.push(meta);
      this.ordinals.set(meta.commit, o);
    }
    return o;
  }

  /** `a.k = b.k AND …` over the identity; NULL-safe for keyless rows, whose values may be NULL. */
  join(a: string, b: string): string {
    const eq = this.spec.keyless ? 'IS NOT DISTINCT FROM' : '=';
    return this.spec.identity.map((k) => `${col(k, a)} ${eq} ${col(k, b)}`).join(' AND ');
  }

  ids(alias?: string): string {
    return this.spec.identity.map((k) => col(k, alias)).join(', ');
  }

  /**
   * A column of an older version read as the blamed revision's type, and whether it reads back
   * as the same value (`ok`). Values compare as `diff` compares them: by value between numeric
   * (or temporal) types, else by their text; a cast that changes the value or its text is not ok,
   * so 1.5 never equals 2 and '01' never equals 1. A column the version lacks reads as NULL, as
   * diff counts a new column only where it is not NULL.
   */
  cast(name: string, columns: readonly Column[], alias?: string): { expr: string; ok: string } {
    const want = this.spec.types.get(name)!;
    const c = columns.find((x) => x.name === name);
    if (!c) return { expr: `CAST(NULL AS ${want})`, ok: 'true' };
    const v = col(name, alias);
    if (c.type === want) return { expr: v, ok: 'true' };
    const cast = `TRY_CAST(${v} AS ${want})`;
    const same = comparable(c.type, want) ? `${cast} = ${v}` : `CAST(${cast} AS VARCHAR) = CAST(${v} AS VARCHAR)`;
    return { expr: cast, ok: `(${v} IS NULL OR coalesce(${same}, false))` };
  }

  /**
   * The identity columns of an older version as the blamed types (undefined if a key column is
   * missing), and the condition under which its row can be one of the blamed rows at all: every
   * cast reads back, and (keyless) every column the blamed revision lacks is NULL.
   */
  identitySelect(columns: readonly Column[], alias?: string): { select: string; ok: string } | undefined {
    const { identity, keyless } = this.spec;
    if (!keyless && !identity.every((k) => columns.some((c) => c.name === k))) return undefined;
    const parts = identity.map((k) => this.cast(k, columns, alias));
    const extra = keyless ? columns.filter((c) => !identity.includes(c.name)).map((c) => `${col(c.name, alias)} IS NULL`) : [];
    const ok = [...parts.map((p) => p.ok), ...extra].filter((x) => x !== 'true');
    return {
      select: parts.map((p, i) => `${p.expr} AS ${quoteIdent(identity[i])}`).join(', '),
      ok: ok.length ? ok.join(' AND ') : 'true',
    };
  }

  /** The hash of cell i over a row of `columns`; NULL (differs from everything) where a value does not read back. */
  cellHash(i: number, columns: readonly Column[], alias?: string): string {
    const cell = this.spec.cells[i];
    if (cell.columns.length === 0) return '0::UBIGINT';
    const parts = cell.columns.map((c) => this.cast(c, columns, alias));
    const ok = parts.map((p) => p.ok).filter((x) => x !== 'true');
    const h = `hash(${parts.map((p) => p.expr).join(', ')})`;
    return ok.length ? `CASE WHEN ${ok.join(' AND ')} THEN ${h} END` : h;
  }

  hashes(columns: readonly Column[], alias?: string): string {
    return this.spec.cells.map((_, i) => `${this.cellHash(i, columns, alias)} AS ${H(i)}`).join(', ');
  }

  /** The pending table's columns, in the one order every pending table uses. */
  pendingColumns(): string[] {
    if (this.spec.keyless) return [...this.spec.identity, COPIES, TOTAL, ARRIVALS];
    return [...this.spec.identity, ...this.spec.cells.map((_, i) => H(i)), ...this.spec.cells.map((_, i) => P(i))];
  }

  pendingList(alias?: string): string {
    return this.pendingColumns()
      .map((c) => col(c, alias))
      .join(', ');
  }

  count(table: string): Promise<number> {
    return this.engine.value<number>(`SELECT count(*) FROM ${quoteIdent(table)}`).then(Number);
  }
}
