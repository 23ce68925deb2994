import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import { DuplicateKey, InvalidKey, UnknownColumn } from '../errors.js';
import type { ChunkStore } from '../store/chunks.js';
import { writeChunks } from './chunker.js';
import { readerSql } from './reader-sql.js';
import { identityColumns, MANIFEST_FORMAT, type ChunkingScheme, type DeltaRef, type Manifest, type SourceFile } from './manifest.js';
import { col, cols, identityOrder, names, rowsDiffer, sortCols } from './rowsql.js';
import { diffSchemas, schemaChanged, type Column, type FileFormat } from './schema.js';
import { OP, TableSnapshot } from './snapshot.js';

/** More change chunks than this are folded into one, so reads stay near plain Parquet. */
export const MAX_DELTAS = 8;

/**
 * Rows of `newer` that differ from `older` by identity, with the op column: added and modified rows
 * carry their new values, removed rows their identity only. Both sides share `columns`.
 */
export function changesSql(newer: string, older: string, columns: readonly string[], identity: readonly string[]): string {
  const k0 = identity[0];
  const rest = columns.filter((c) => !identity.includes(c));
  const select = columns.map((c) =>
    identity.includes(c) ? `coalesce(${col(c, 'n')}, ${col(c, 'o')}) AS ${quoteIdent(c)}` : `${col(c, 'n')} AS ${quoteIdent(c)}`,
  );
  const on = identity.map((k) => `${col(k, 'n')} = ${col(k, 'o')}`).join(' AND ');
  return `SELECT ${select.join(', ')},
      CASE WHEN ${col(k0, 'o')} IS NULL THEN 'added' WHEN ${col(k0, 'n')} IS NULL THEN 'removed' ELSE 'modified' END AS ${quoteIdent(OP)}
    FROM (${newer}) n FULL OUTER JOIN (${older}) o ON ${on}
    WHERE ${col(k0, 'o')} IS NULL OR ${col(k0, 'n')} IS NULL OR ${rowsDiffer(rest, 'n', 'o')}`;
}

const NESTED = /^(STRUCT|MAP|UNION)\(|\[\d*\]$/;

/** Key columns that the file does not have, found from its header alone. */
export async function validateKeyColumns(
  engine: Engine,
  abs: string,
  file: string,
  format: FileFormat,
  key: readonly string[],
): Promise<void> {
  const rows = await engine.all(`DESCRIBE SELECT * FROM ${readerSql(abs, format)}`).catch(() => undefined);
  if (!rows) return;
  checkKeyColumns(
    rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })),
    key,
    file,
  );
}

function checkKeyColumns(columns: readonly Column[], key: readonly string[], file: string): void {
  for (const k of key) {
    const c = columns.find((x) => x.name === k);
    if (!c)
      throw new UnknownColumn(
        `key column '${k}' is not a column of '${file}'`,
        { file, column: k },
        `columns are: ${names(columns).join(', ')}`,
      );
    if (NESTED.test(c.type))
      throw new InvalidKey(`key column '${k}' of '${file}' has type ${c.type}, which cannot be a primary key`, { file, column: k });
  }
}

/** A key must exist, be a scalar type, hold no NULL and no duplicate. */
export async function validateKey(
  engine: Engine,
  work: string,
  columns: readonly Column[],
  key: readonly string[],
  file: string,
  /** The work table holds the file's rows in file order: report whether that order is already the key's. */
  fileOrder = false,
): Promise<boolean> {
  checkKeyColumns(columns, key, file);
  const t = quoteIdent(work);
  const nulls = await engine.value<number>(`SELECT count(*) FROM ${t} WHERE ${key.map((k) => `${quoteIdent(k)} IS NULL`).join(' OR ')}`);
  if (Number(nulls) > 0) {
    throw new InvalidKey(
      `${nulls} row(s) of '${file}' have a NULL in key column(s) ${key.join(', ')}`,
      { file, key },
      'every row needs a key value',
    );
  }
  // Strictly ascending keys are unique too: one ordered pass instead of a GROUP BY, and no sort to come.
  if (fileOrder && (await keysAscend(engine, work, columns, key))) return true;
  const dup = await engine.one(`SELECT ${cols(key)}, count(*) AS __lakegit_n FROM ${t} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
  if (dup) {
    const shown = key.map((k) => `${k}=${JSON.stringify(dup[k])}`).join(', ');
    throw new DuplicateKey(
      `duplicate key in '${file}': ${shown} appears ${dup.__lakegit_n} times`,
      { file, key: Object.fromEntries(key.map((k) => [k, dup[k]])) },
      'a primary key must be unique; choose another --key or use --keyless',
    );
  }
  return false;
}

/**
 * Whether every row's key is greater than the previous row's (rowid order; keys are not NULL), as
 * DuckDB orders them: a file already in key order (lakegit writes files so) needs no sort. Each row
 * meets the next by a POSITIONAL JOIN of the key scan with itself one row on (a table scan and its
 * OFFSET keep insertion order, which is rowid order): 0.02 s of CPU at 1M rows against 0.14 s for
 * `lag() OVER (ORDER BY rowid)`, whose window sorts (2.8 s at 10M; docs/benchmarks.md, "import3").
 */
async function keysAscend(engine: Engine, work: string, columns: readonly Column[], key: readonly string[]): Promise<boolean> {
  const prev = key.map((_, i) => `__lakegit_p${i}`);
  const next = key.map((_, i) => `__lakegit_n${i}`);
  const t = quoteIdent(work);
  const scan = (names: string[]) => `SELECT ${key.map((k, i) => `${quoteIdent(k)} AS ${names[i]}`).join(', ')} FROM ${t}`;
  // Lexicographic prev < next, column by column.
  const less = key
    .map((_, i) => [...prev.slice(0, i).map((p, j) => `${p} = ${next[j]}`), `${prev[i]} < ${next[i]}`].join(' AND '))
    .join(' OR ');
  // The last row meets no next row (keys are not NULL, so a NULL next key is the join's padding).
  const bad = await engine.value(
    `SELECT count(*) FROM (${scan(prev)}) POSITIONAL JOIN (${scan(next)} OFFSET 1) WHERE ${next[0]} IS NOT NULL AND NOT (${less})`,
  );
  return Number(bad) === 0;
}

export interface StageRequest {
  work: string; // a table holding the new rows
  columns: Column[];
  key: string[] | null;
  source: SourceFile;
  prev?: Manifest;
  chunking: ChunkingScheme;
}

let seq = 0;
const workName = (stem: string) => `__lakegit_${stem}_${process.pid}_${++seq}`;

/**
 * The manifest for a table's new rows. Unchanged tables keep their manifest; small changes add one
 * change chunk over the same base; a new schema, a keyless table or a change set grown past the
 * compaction threshold re-chunks the rows (chunks that did not change keep their ids and files).
 */
export async function stageRows(engine: Engine, store: ChunkStore, req: StageRequest): Promise<Manifest> {
  const { prev } = req;
  const fresh =
    !prev ||
    req.key === null ||
    prev.key === null ||
    JSON.stringify(prev.key) !== JSON.stringify(req.key) ||
    schemaChanged(diffSchemas(prev.columns, req.columns));
  if (fresh) return chunkFresh(engine, store, req);

  const snap = new TableSnapshot(prev, store);
  const identity = identityColumns(prev);
  const delta = workName('delta');
  await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(delta)} AS
    SELECT * FROM (${changesSql(`SELECT * FROM ${quoteIdent(req.work)}`, snap.sql(), names(req.columns), identity)})
    ORDER BY ${sortCols(identity, req.columns)}`);
  try {
    return await applyDelta(engine, store, prev, delta, req.source);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(delta)}`);
  }
}

/**
 * Layer a change set (a table shaped like `changesSql` output, sorted by identity) over `prev`:
 * one new change chunk; folded when there are too many; compacted into base chunks once the
 * pending changes pass the threshold. Compaction reads the snapshot, not the working file, so
 * every path that produces a change set shares it.
 */
export async function applyDelta(
  engine: Engine,
  store: ChunkStore,
  prev: Manifest,
  delta: string,
  source: Manifest['source'],
): Promise<Manifest> {
  const identity = identityColumns(prev);
  const counts = await engine.all(`SELECT ${quoteIdent(OP)} AS op, count(*) AS n FROM ${quoteIdent(delta)} GROUP BY 1`);
  const count = (op: string) => Number(counts.find((r) => r.op === op)?.n ?? 0);
  const changed = count('added') + count('modified') + count('removed');
  const rows = prev.rows + count('added') - count('removed');
  const base = { ...prev, source, rows };
  if (changed === 0) return base;
  const ref = await writeDelta(engine, store, delta, prev.columns, identity, prev.chunking, count);
  const next = { ...base, deltas: [...prev.deltas, ref] };
  const pending = prev.deltas.reduce((s, d) => s + d.rows, 0) + changed;
  if (pending > compactionThreshold(rows, prev.chunking)) return compact(engine, store, next);
  return next.deltas.length > MAX_DELTAS ? foldDeltas(engine, store, next) : next;
}

/** Change rows worth keeping beside the base before the table is re-chunked. */
export const compactionThreshold = (rows: number, s: ChunkingScheme): number =>
  Math.max(Math.floor(rows * 0.05), Math.min(s.target, 10_000));

async function writeDelta(
  engine: Engine,
  store: ChunkStore,
  table: string,
  columns: Column[],
  identity: string[],
  scheme: ChunkingScheme,
  count: (op: string) => number,
): Promise<DeltaRef> {
  // A change chunk is one file whatever its size: cut nowhere.
  const single = { ...scheme, target: Number.MAX_SAFE_INTEGER, min: Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
  const [ref] = await writeChunks(engine, store, table, columns, identity, single, [OP]);
  return { ...ref, upserts: count('added') + count('modified'), deletes: count('removed') };
}

/** Fold all change chunks into one: the latest op per key, relative to the base. */
export async function foldDeltas(engine: Engine, store: ChunkStore, m: Manifest): Promise<Manifest> {
  const snap = new TableSnapshot(m, store);
  const identity = identityColumns(m);
  const table = workName('fold');
  await engine.run(
    `CREATE OR REPLACE TABLE ${quoteIdent(table)} AS SELECT * FROM (${snap.deltaSql()}) ORDER BY ${sortCols(identity, m.columns)}`,
  );
  try {
    const counts = await engine.all(`SELECT ${quoteIdent(OP)} AS op, count(*) AS n FROM ${quoteIdent(table)} GROUP BY 1`);
    const count = (op: string) => Number(counts.find((r) => r.op === op)?.n ?? 0);
    if (counts.length === 0) return { ...m, deltas: [] };
    const ref = await writeDelta(engine, store, table, m.columns, identity, m.chunking, count);
    return { ...m, deltas: [ref] };
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
  }
}

/** Sort the rows by identity and cut them into base chunks: what a first `add` does. */
export async function chunkFresh(
  engine: Engine,
  store: ChunkStore,
  req: Omit<StageRequest, 'prev'> & { sorted?: boolean },
  onChunk?: (done: number, total: number) => void,
): Promise<Manifest> {
  const identity = req.key ?? names(req.columns);
  const sorted = req.sorted ? req.work : workName('sorted');
  if (!req.sorted)
    await engine.run(
      `CREATE OR REPLACE TABLE ${quoteIdent(sorted)} AS SELECT * FROM ${quoteIdent(req.work)} ORDER BY ${identityOrder(identity, req.key === null, req.columns)}`,
    );
  try {
    const chunks = await writeChunks(engine, store, sorted, req.columns, identity, req.chunking, [], onChunk);
    return {
      format: MANIFEST_FORMAT,
      chunking: req.chunking,
      key: req.key,
      columns: req.columns,
      source: req.source,
      rows: chunks.reduce((s, c) => s + c.rows, 0),
      chunks,
      deltas: [],
    };
  } finally {
    if (!req.sorted) await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(sorted)}`);
  }
}

/** Compact a snapshot: exactly the chunks a fresh `add` of its rows makes. */
export async function compact(engine: Engine, store: ChunkStore, m: Manifest): Promise<Manifest> {
  if (m.deltas.length === 0) return m;
  const work = workName('compact');
  await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(work)} AS ${new TableSnapshot(m, store).sql()}`);
  try {
    return await chunkFresh(engine, store, { work, columns: m.columns, key: m.key, source: m.source, chunking: m.chunking });
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(work)}`);
  }
}

export { workName };
