import type { Engine } from '../../engine/db.js';
import { pathList, quoteIdent } from '../../engine/quote.js';
import type { ChunkStore } from '../../store/chunks.js';
import { changesSql, workName } from '../../table/changes.js';
import type { ChunkRef, Manifest } from '../../table/manifest.js';
import { cols, emptyRelation, joinOn, names } from '../../table/rowsql.js';
import type { Column } from '../../table/schema.js';
import { OP, TableSnapshot } from '../../table/snapshot.js';
import { sameColumns } from './schema.js';

/** Work tables made during one table merge, dropped together. */
export class Scratch {
  private readonly made: string[] = [];
  constructor(
    readonly engine: Engine,
    readonly store: ChunkStore,
  ) {}

  name(stem: string): string {
    const n = workName(stem);
    this.made.push(n);
    return n;
  }

  async table(stem: string, sql: string): Promise<string> {
    const n = this.name(stem);
    await this.engine.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(n)} AS ${sql}`);
    return n;
  }

  async drop(): Promise<void> {
    for (const n of this.made.splice(0)) await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(n)}`);
  }
}

/** A relation's columns re-expressed as the merged columns: missing ones NULL, re-typed ones cast. */
export function projectSql(rel: string, from: readonly Column[], to: readonly Column[], extra: readonly string[] = []): string {
  const have = new Map(from.map((c) => [c.name, c.type]));
  const select = to.map((c) => {
    const t = have.get(c.name);
    if (t === undefined) return `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`;
    if (t === c.type) return quoteIdent(c.name);
    return `TRY_CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`;
  });
  return `SELECT ${[...select, ...extra.map(quoteIdent)].join(', ')} FROM (${rel})`;
}

const ids = (refs: readonly ChunkRef[]) => refs.map((r) => r.id);

/** Chunk and change-chunk ids in one manifest but not the other: the only files that can hold differences. */
function differingFiles(a: Manifest, b: Manifest): string[] {
  const inA = new Set([...ids(a.chunks), ...ids(a.deltas)]);
  const inB = new Set([...ids(b.chunks), ...ids(b.deltas)]);
  return [...new Set([...[...inA].filter((x) => !inB.has(x)), ...[...inB].filter((x) => !inA.has(x))])];
}

/** `side` is `base` plus change chunks appended on top: its changes are those chunks, folded. */
function appendedDeltas(base: Manifest, side: Manifest): Manifest['deltas'] | undefined {
  const [bc, sc] = [ids(base.chunks), ids(side.chunks)];
  if (bc.length !== sc.length || bc.some((id, i) => id !== sc[i])) return undefined;
  if (base.deltas.length > side.deltas.length || base.deltas.some((d, i) => d.id !== side.deltas[i].id)) return undefined;
  return side.deltas.slice(base.deltas.length);
}

/** The rows of `m` whose identity is in work table `keys`, reading only the chunks that can hold them. */
export function rowsForKeys(s: Scratch, m: Manifest, keys: string): Promise<string> {
  return new TableSnapshot(m, s.store).rowsForKeys(s.engine, `SELECT * FROM ${quoteIdent(keys)}`);
}

/**
 * Rows of `side` that may differ from `base` (a superset of the true changes is harmless: an
 * unchanged row is decided as unchanged later), as the merged columns plus the op column, into a
 * work table. Reads only files that differ between the two manifests and the base chunks whose key
 * ranges they cover; a schema change compares whole tables, as a rewrite costs that anyway.
 */
export async function sideChanges(s: Scratch, base: Manifest | undefined, side: Manifest, merged: readonly Column[]): Promise<string> {
  const identity = side.key!;
  const project = (rel: string, from: readonly Column[]) => projectSql(rel, from, merged, [OP]);
  if (!base) {
    const all = `SELECT *, 'added' AS ${quoteIdent(OP)} FROM (${new TableSnapshot(side, s.store).sql()})`;
    return s.table('side', project(all, side.columns));
  }
  if (!sameColumns(base.columns, side.columns)) {
    const b = new TableSnapshot(base, s.store).sql();
    return s.table('side', changesSql(sideRowsSql(s, side, base, merged), projectSql(b, base.columns, merged), names(merged), identity));
  }
  const appended = appendedDeltas(base, side);
  if (appended) {
    if (appended.length === 0) return s.table('side', project(emptyRelationWithOp(side.columns), side.columns));
    const folded = new TableSnapshot({ ...side, chunks: [], deltas: appended }, s.store).deltaSql()!;
    return s.table('side', project(folded, side.columns));
  }
  const files = differingFiles(base, side).map((id) => s.store.pathOf(id));
  if (files.length === 0) return s.table('side', project(emptyRelationWithOp(side.columns), side.columns));
  const keys = await s.table('keys', `SELECT DISTINCT ${cols(identity)} FROM read_parquet(${pathList(files)}, union_by_name = true)`);
  const [b, n] = [await rowsForKeys(s, base, keys), await rowsForKeys(s, side, keys)];
  return s.table('side', project(changesSql(n, b, names(side.columns), identity), side.columns));
}

/**
 * A side's rows as the merged columns. A column the side dropped but the merge keeps (the other
 * side's choice, or a conflict settled that way) still holds the base's values: the side did not
 * change them, it only stopped having them.
 */
export function sideRowsSql(s: Scratch, side: Manifest, base: Manifest | undefined, merged: readonly Column[]): string {
  const have = new Set(names(side.columns));
  const dropped = merged.filter((c) => !have.has(c.name) && base?.columns.some((b) => b.name === c.name));
  const rows = new TableSnapshot(side, s.store).sql();
  if (!base || !side.key || dropped.length === 0) return projectSql(rows, side.columns, merged);
  const from = [...side.columns, ...dropped.map((c) => base.columns.find((b) => b.name === c.name)!)];
  const filled = `SELECT r.*, ${dropped.map((c) => `b.${quoteIdent(c.name)}`).join(', ')}
    FROM (${rows}) r LEFT JOIN (${new TableSnapshot(base, s.store).sql()}) b ON ${joinOn(side.key, 'r', 'b')}`;
  return projectSql(filled, from, merged);
}

const emptyRelationWithOp = (columns: readonly Column[]): string =>
  `SELECT *, CAST(NULL AS VARCHAR) AS ${quoteIdent(OP)} FROM (${emptyRelation(columns)})`;
