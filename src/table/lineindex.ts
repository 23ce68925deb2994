import { promises as fsp } from 'node:fs';
import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { changesSql, workName } from './changes.js';
import { readerSql } from './files.js';
import { identityColumns, type Manifest } from './manifest.js';
import { cols, emptyRelation, joinOn, names } from './rowsql.js';
import type { FileFormat } from './schema.js';
import { TableSnapshot } from './snapshot.js';
import type { ChunkStore } from '../store/chunks.js';
import { HASH, SLOT, hasHeader, indexLinesSql, rawLinesSql, writeIndexFile, type LineIndexRef } from './lineslots.js';

export type { LineIndexRef } from './lineslots.js';

/**
 * A cache beside a staged table: for each line of its working file, `hash(line)` and the row's key.
 * With it, re-staging a text file reads the file as raw lines (no parsing), finds the lines that
 * are new and the ones that are gone by hash, and parses only the new ones — the cost of a commit
 * follows what changed, not the table. `hash()` may change between DuckDB releases, so the cache
 * records the version that wrote it and is ignored by any other. Files whose records span lines
 * (quoted newlines) get no index: their line and row counts differ.
 */
export const supportsLineIndex = (format: FileFormat): boolean => format !== 'parquet';

export async function duckdbVersion(engine: Engine): Promise<string> {
  return String(await engine.value('SELECT version()'));
}

export async function firstLine(abs: string): Promise<string> {
  const handle = await fsp.open(abs, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    return (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
  } finally {
    await handle.close();
  }
}

/** Build the index from a file and the table holding its rows in file order; undefined if lines ≠ rows. */
export async function buildLineIndex(
  engine: Engine,
  dir: string,
  abs: string,
  format: FileFormat,
  work: string,
  key: readonly string[],
): Promise<LineIndexRef | undefined> {
  if (!supportsLineIndex(format)) return undefined;
  const raw = rawLinesSql(abs, format);
  const [lines, rows] = [
    Number(await engine.value(`SELECT count(*) FROM ${raw}`)),
    Number(await engine.value(`SELECT count(*) FROM ${quoteIdent(work)}`)),
  ];
  if (lines !== rows) return undefined;
  // Slotted (src/table/lineslots.ts): each line's position rides along, so a patch finds lines without reading the file.
  const file = await writeIndexFile(
    engine,
    dir,
    `SELECT hash(l.__lakegit_line) AS ${HASH}, w.*, p.range AS ${SLOT} FROM ${raw} l POSITIONAL JOIN (SELECT ${cols(key)} FROM ${quoteIdent(work)}) w POSITIONAL JOIN range(${rows}) p`,
  );
  return { file, header: hasHeader(format) ? await firstLine(abs) : '', rows, duckdb: await duckdbVersion(engine), slots: rows };
}

export interface LineDelta {
  delta: string;
  index: LineIndexRef;
}

/**
 * The change set of a working file against `prev` using its line index, as a table shaped like
 * `changesSql` output, plus the file's new line index. Undefined whenever the cheap path cannot be
 * sure (header changed, a new line does not parse to exactly one row, duplicate lines or keys):
 * the caller then takes the full path, which also reports any error precisely.
 */
export async function lineDelta(
  engine: Engine,
  store: ChunkStore,
  dir: string,
  abs: string,
  prev: Manifest,
  ref: LineIndexRef,
  writeIndex = true,
): Promise<LineDelta | undefined> {
  const format = prev.source.format;
  const key = identityColumns(prev);
  if (!prev.key || ref.duckdb !== (await duckdbVersion(engine))) return undefined;
  if (hasHeader(format) && (await firstLine(abs)) !== ref.header) return undefined;
  const old = indexLinesSql(dir, ref, key);
  const [ld, fresh, gone, parsed, delta] = ['lines', 'newlines', 'gone', 'parsed', 'ldelta'].map(workName);
  const q = quoteIdent;
  const tmpFile = tempName(dir, 'newlines', format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv');
  try {
    // One pass joins the file's lines with the old index: it finds the new lines and the gone ones,
    // and keeps the text of new lines only, so the whole file is read once and never held in memory.
    await engine.run(`CREATE TABLE ${q(ld)} AS SELECT n.__lakegit_h AS __lakegit_nh, n.__lakegit_in, CASE WHEN o.__lakegit_h IS NULL THEN n.__lakegit_line END AS __lakegit_line, o.*
      FROM (SELECT hash(__lakegit_line) AS __lakegit_h, __lakegit_line, true AS __lakegit_in FROM ${rawLinesSql(abs, format)}) n FULL OUTER JOIN ${old} o ON n.__lakegit_h = o.__lakegit_h`);
    await engine.run(
      `CREATE TABLE ${q(fresh)} AS SELECT __lakegit_nh AS __lakegit_h, __lakegit_line FROM ${q(ld)} WHERE __lakegit_in AND __lakegit_h IS NULL ORDER BY rowid`,
    );
    await engine.run(`CREATE TABLE ${q(gone)} AS SELECT __lakegit_h, ${cols(key)} FROM ${q(ld)} WHERE __lakegit_in IS NULL`);
    const total = Number(await engine.value(`SELECT count(__lakegit_in) FROM ${q(ld)}`));
    const goneCount = Number(await engine.value(`SELECT count(*) FROM ${q(gone)}`));
    const newLines = (await engine.all(`SELECT __lakegit_line FROM ${q(fresh)} ORDER BY rowid`)).map((r) => String(r.__lakegit_line));
    if (total !== ref.rows - goneCount + newLines.length) return undefined; // a duplicated line
    if (newLines.length === 0) {
      await engine.run(`CREATE TABLE ${q(parsed)} AS ${emptyRelation(prev.columns)}`);
    } else {
      await fsp.writeFile(tmpFile, `${hasHeader(format) ? `${ref.header}\n` : ''}${newLines.map((l) => `${l}\n`).join('')}`);
      await engine.run(`CREATE TABLE ${q(parsed)} AS SELECT * FROM ${readerSql(tmpFile, format, prev.columns)}`);
    }
    const parsedRows = Number(await engine.value(`SELECT count(*) FROM ${q(parsed)}`));
    if (parsedRows !== newLines.length) return undefined;
    const keyCheck = await engine.one(`SELECT count(*) FILTER (WHERE ${key.map((k) => `${q(k)} IS NULL`).join(' OR ')}) AS nulls,
      count(*) - count(DISTINCT (${cols(key)})) AS dups FROM ${q(parsed)}`);
    if (Number(keyCheck?.nulls) || Number(keyCheck?.dups)) return undefined;
    // A new line's key must belong to a gone line or be new to the table: otherwise it duplicates a kept row.
    const clash =
      await engine.value(`SELECT count(*) FROM (SELECT o.__lakegit_h FROM ${old} o SEMI JOIN ${q(parsed)} p ON ${joinOn(key, 'o', 'p')}) x
      ANTI JOIN ${q(gone)} g ON x.__lakegit_h = g.__lakegit_h`);
    if (Number(clash)) return undefined;
    // The touched keys' new state is exactly the parsed rows (a gone key without a new line is removed);
    // comparing with their old rows turns a reformatted line with equal values into no change.
    const touched = `SELECT ${cols(key)} FROM ${q(parsed)} UNION SELECT ${cols(key)} FROM ${q(gone)}`;
    const before = await new TableSnapshot(prev, store).rowsForKeys(engine, touched);
    const after = `SELECT * FROM ${q(parsed)}`;
    await engine.run(
      `CREATE TABLE ${q(delta)} AS SELECT * FROM (${changesSql(after, before, names(prev.columns), key)}) ORDER BY ${cols(key)}`,
    );
    const index = writeIndex ? await writeNextIndex(engine, dir, old, gone, fresh, parsed, key, ref, total) : ref;
    return { delta, index };
  } catch {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(delta)}`);
    return undefined;
  } finally {
    for (const t of [ld, fresh, gone, parsed]) await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`);
    await fsp.rm(tmpFile, { force: true });
  }
}

async function writeNextIndex(
  engine: Engine,
  dir: string,
  old: string,
  gone: string,
  fresh: string,
  parsed: string,
  key: readonly string[],
  ref: LineIndexRef,
  rows: number,
): Promise<LineIndexRef> {
  // New lines and their parsed rows are in the same order (one row per line, checked above).
  const file = await writeIndexFile(
    engine,
    dir,
    `SELECT o.* FROM ${old} o ANTI JOIN ${quoteIdent(gone)} g ON o.__lakegit_h = g.__lakegit_h
      UNION ALL SELECT f.__lakegit_h, p.* FROM (SELECT __lakegit_h FROM ${quoteIdent(fresh)} ORDER BY rowid) f POSITIONAL JOIN (SELECT ${cols(key)} FROM ${quoteIdent(parsed)}) p`,
  );
  // Unslotted: the new lines' positions are not known here; the next patch slots it (src/table/lineslots.ts).
  return { file, header: ref.header, rows, duckdb: ref.duckdb };
}
