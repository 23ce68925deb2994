import type { Engine, JsonRow } from '../../engine/db.js';
import { pathList, quoteIdent } from '../../engine/quote.js';
import { UsageError } from '../../errors.js';
import { workName } from '../../table/changes.js';
import type { Manifest } from '../../table/manifest.js';
import { changeSet, readFiles, rowsForKeys } from './sources.js';
import { comparable } from '../diff/pair-columns.js';
import type { RepoContext } from '../context.js';
import { readManifest } from '../tree.js';

/** One row of a table version, or null where that version has no row with the key. */
export type Row = JsonRow | null;
/** A child's and a parent's manifest blob of one table. */
export type ManifestPair = readonly [string, string];

const same = (a: Row, b: Row) => JSON.stringify(a) === JSON.stringify(b);

/** One row's value per manifest blob, found by reading as little as the manifests allow. */
export class RowLookup {
  private readonly rows = new Map<string, Row>();
  private readonly keyTables = new Map<string, string>();
  /** Files already searched for the key, and those holding it. */
  private readonly searched = new Set<string>();
  private readonly holding = new Set<string>();

  constructor(
    private readonly ctx: RepoContext,
    private readonly engine: Engine,
    readonly keyColumns: string[],
    private readonly key: [string, string][],
  ) {}

  async at(blob: string): Promise<Row> {
    if (this.rows.has(blob)) return this.rows.get(blob)!;
    const m = await readManifest(this.ctx, blob);
    if (JSON.stringify(m.key) !== JSON.stringify(this.keyColumns)) {
      this.rows.set(blob, null); // re-keyed: no row of that version is this one
      return null;
    }
    const keys = await this.keyTable(m);
    const found = await rowsForKeys(this.engine, this.ctx.chunks, m, keys);
    const rows = await this.engine.all(`SELECT * FROM (${found})`);
    this.rows.set(blob, rows[0] ?? null);
    return rows[0] ?? null;
  }

  /**
   * Which of the files these manifest pairs do not share hold the key, found for all of them in
   * one query (a history's commits would otherwise cost one query each).
   */
  async prefetch(pairs: ManifestPair[]): Promise<void> {
    const files = new Set<string>();
    for (const [childBlob, blob] of pairs) {
      const cs = changeSet(await readManifest(this.ctx, childBlob), await readManifest(this.ctx, blob), this.ctx.chunks);
      if (cs.kind === 'files') for (const f of [...cs.childBase, ...cs.parentBase, ...cs.deltas]) if (!this.searched.has(f)) files.add(f);
    }
    if (files.size === 0) return;
    const m = await readManifest(this.ctx, pairs[0][0]);
    const keys = quoteIdent(await this.keyTable(m));
    const on = this.keyColumns.map((k) => `f.${quoteIdent(k)} = ${keys}.${quoteIdent(k)}`).join(' AND ');
    const rows = await this.engine
      .all(`SELECT DISTINCT f.__lakegit_file FROM read_parquet(${pathList([...files])}, filename = '__lakegit_file') f
      SEMI JOIN ${keys} ON ${on}`);
    for (const f of files) this.searched.add(f);
    for (const r of rows) this.holding.add(String(r.__lakegit_file));
  }

  /** The parent's row: the child's when no file the two manifests do not share holds the key. */
  async parent(childBlob: string, childRow: Row, blob: string): Promise<Row> {
    if (this.rows.has(blob)) return this.rows.get(blob)!;
    const child = await readManifest(this.ctx, childBlob);
    const m = await readManifest(this.ctx, blob);
    const cs = changeSet(child, m, this.ctx.chunks);
    const unchanged = () => {
      this.rows.set(blob, childRow);
      return childRow;
    };
    if (cs.kind === 'none') return unchanged();
    if (cs.kind === 'files') {
      const files = [...cs.childBase, ...cs.parentBase, ...cs.deltas];
      if (files.every((f) => this.searched.has(f))) return files.some((f) => this.holding.has(f)) ? this.at(blob) : unchanged();
      const keys = quoteIdent(await this.keyTable(m));
      const cols = this.keyColumns.map((k) => quoteIdent(k)).join(', ');
      const on = this.keyColumns.map((k) => `f.${quoteIdent(k)} = ${keys}.${quoteIdent(k)}`).join(' AND ');
      const hits = Number(
        await this.engine.value(`SELECT count(*) FROM (SELECT ${cols} FROM ${readFiles(files)}) f SEMI JOIN ${keys} ON ${on}`),
      );
      if (hits === 0) return unchanged();
    }
    return this.at(blob);
  }

  /**
   * Whether two versions' rows are the same row, as `diff` decides: by value where a column keeps
   * its type or changes between numeric (or temporal) types, else by its text; a column only one
   * version has counts where it is not NULL. So a commit that changes a column's type changes
   * only the rows whose values changed.
   */
  async sameRow(childBlob: string, after: Row, parentBlob: string | undefined, before: Row): Promise<boolean> {
    if (!after || !before || !parentBlob) return !after && !before;
    const [child, parent] = [await readManifest(this.ctx, childBlob), await readManifest(this.ctx, parentBlob)];
    if (JSON.stringify(child.columns) === JSON.stringify(parent.columns)) return same(before, after);
    const types = (m: Manifest) => new Map(m.columns.map((c) => [c.name, c.type]));
    const [a, b] = [types(child), types(parent)];
    const cells = [...new Set([...a.keys(), ...b.keys()])].map((name) => {
      const [ta, tb] = [a.get(name), b.get(name)];
      const [x, y] = [`a.${quoteIdent(name)}`, `b.${quoteIdent(name)}`];
      if (ta === undefined) return `${y} IS NULL`;
      if (tb === undefined) return `${x} IS NULL`;
      return comparable(ta, tb) ? `${x} IS NOT DISTINCT FROM ${y}` : `CAST(${x} AS VARCHAR) IS NOT DISTINCT FROM CAST(${y} AS VARCHAR)`;
    });
    const [ra, rb] = [await this.relation(child), await this.relation(parent)];
    try {
      return !!(await this.engine.value(`SELECT ${cells.join(' AND ')} FROM (${ra.sql}) a, (${rb.sql}) b`));
    } finally {
      for (const t of [...ra.temps, ...rb.temps]) await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
    }
  }

  /** The row of a version as a relation (with the work tables it reads, for the caller to drop). */
  private async relation(m: Manifest): Promise<{ sql: string; temps: string[] }> {
    return { sql: await rowsForKeys(this.engine, this.ctx.chunks, m, await this.keyTable(m)), temps: [] };
  }

  /** The key as a one-row table of the manifest's key types (values bound, never pasted). */
  private async keyTable(m: Manifest): Promise<string> {
    const types = this.keyColumns.map((k) => m.columns.find((c) => c.name === k)?.type);
    const sig = JSON.stringify(types);
    const known = this.keyTables.get(sig);
    if (known) return known;
    const name = workName('rowlog_key');
    const values = this.keyColumns.map((k) => this.key.find(([g]) => g === k)![1]);
    const select = this.keyColumns.map((k, i) => `CAST($${i + 1} AS ${types[i] ?? 'VARCHAR'}) AS ${quoteIdent(k)}`).join(', ');
    try {
      await this.engine.run(`CREATE TABLE ${quoteIdent(name)} AS SELECT ${select}`, values);
    } catch {
      const shown = this.keyColumns.map((k, i) => `${k}=${values[i]} (${types[i]})`).join(', ');
      throw new UsageError(`--key value does not fit the key column's type: ${shown}`, { key: Object.fromEntries(this.key) });
    }
    this.keyTables.set(sig, name);
    return name;
  }

  async release(): Promise<void> {
    for (const t of this.keyTables.values()) await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
  }
}
