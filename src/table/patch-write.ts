import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { pathList, quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { workName } from './changes.js';
import { writerOptions } from './files.js';
import { duckdbVersion, firstLine, rawLinesSql, type LineIndexRef } from './lineindex.js';
import type { Manifest } from './manifest.js';
import { cols, joinOn, rowText } from './rowsql.js';
import { TableSnapshot } from './snapshot.js';

/**
 * Writing what changed: a keyed CSV, TSV or JSON Lines working file that holds `before` (its line
 * index says which line holds which key) is brought to `after` by copying its unchanged byte runs
 * and writing only the lines of changed rows, formatted by DuckDB exactly as a full write would
 * format them. A modified row's line stays where it was, a removed row's line goes, and rows whose
 * key is new are appended at the end in key order: the file keeps its own row order. A row is
 * rewritten when its key is in a chunk only one of the two manifests has (for a revert or a
 * checkout, the rows the commits between them changed). The cost follows the change plus one scan
 * of the file's raw lines (to find the lines by hash), one copy of its bytes and one of its line
 * index.
 */
export interface PatchRequest {
  abs: string;
  before: Manifest;
  after: Manifest;
  /** The line index of the file as it holds `before`. */
  lines: LineIndexRef;
  /** Where line index files live. */
  linesDir: string;
}

const sameShape = (a: Manifest, b: Manifest) =>
  JSON.stringify([a.columns, a.key, a.source.format, a.source.delimiter ?? ',']) ===
  JSON.stringify([b.columns, b.key, b.source.format, b.source.delimiter ?? ',']);

/** The file's new line index, or undefined when it cannot be patched (the caller writes it whole; nothing was changed). */
export async function patchTextFile(engine: Engine, store: ChunkStore, req: PatchRequest): Promise<LineIndexRef | undefined> {
  const { before, after, lines } = req;
  const format = after.source.format;
  if (format === 'parquet' || !before.key || !sameShape(before, after)) return undefined;
  if (lines.duckdb !== (await duckdbVersion(engine))) return undefined;
  const header = format !== 'jsonl';
  if (header && (await firstLine(req.abs)) !== lines.header) return undefined;
  const key = before.key;
  const only = chunksInOneOnly(before, after);
  if (only.length === 0) return lines; // the same rows: the file stays as it is
  const [cand, fresh, goneLines, newLines] = ['pcand', 'pfresh', 'pgonel', 'pnewl'].map(workName);
  const q = quoteIdent;
  const ext = format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv';
  const tmpRows = tempName(path.dirname(req.abs), 'lakegit-rows', ext);
  const oldIndex = `read_parquet(${quoteLiteral(path.join(req.linesDir, lines.file))})`;
  try {
    // Keys that can differ: those in a chunk one side has and the other has not.
    await engine.run(
      `CREATE TEMP TABLE ${q(cand)} AS SELECT DISTINCT ${cols(key)} FROM read_parquet(${pathList(only.map((id) => store.pathOf(id)))}, union_by_name = true)`,
    );
    // Every candidate key's line is rewritten from `after` (or removed): the line index says which
    // lines hold them, and only `after` is read, for these keys alone.
    const candRows = `SELECT * FROM ${q(cand)}`;
    await engine.run(`CREATE TEMP TABLE ${q(fresh)} AS ${await new TableSnapshot(after, store).rowsForKeys(engine, candRows)}`);
    await engine.run(`CREATE TEMP TABLE ${q(goneLines)} AS SELECT i.__lakegit_h AS __lakegit_h, ${rowText(key, 'i')} AS __lakegit_k
      FROM ${oldIndex} i SEMI JOIN ${q(cand)} c ON ${joinOn(key, 'i', 'c')}`);
    const keyOf = new Map(
      (await engine.all(`SELECT __lakegit_h::VARCHAR AS h, __lakegit_k AS k FROM ${q(goneLines)}`)).map((r) => [String(r.h), String(r.k)]),
    );
    const goneCount = Number(await engine.value(`SELECT count(*) FROM ${q(goneLines)}`));
    if (keyOf.size !== goneCount || new Set(keyOf.values()).size !== goneCount) return undefined;
    const found = await engine.all(`SELECT p.range AS n, l.__lakegit_line AS line, hash(l.__lakegit_line)::VARCHAR AS h
      FROM (SELECT __lakegit_line FROM ${rawLinesSql(req.abs, format)}) l POSITIONAL JOIN range(${lines.rows}) p
      WHERE p.range IS NULL OR l.__lakegit_line IS NULL OR hash(l.__lakegit_line) IN (SELECT __lakegit_h FROM ${q(goneLines)})`);
    if (found.length !== goneCount || found.some((r) => r.n === null || r.line === null)) return undefined;
    // The changed rows' lines, formatted by the same COPY a full write uses.
    await engine.run(
      `COPY (SELECT * FROM ${q(fresh)} ORDER BY ${cols(key)}) TO ${quoteLiteral(tmpRows)} (${writerOptions(format, after.source.delimiter)})`,
    );
    const text = (await fsp.readFile(tmpRows, 'utf8')).split('\n');
    const freshKeys = (await engine.all(`SELECT ${rowText(key)} AS k FROM ${q(fresh)} ORDER BY ${cols(key)}`)).map((r) => String(r.k));
    const rowsText = text.slice(header ? 1 : 0, -1);
    if (text[text.length - 1] !== '' || rowsText.length !== freshKeys.length || text.some((l) => l.includes('\r'))) return undefined;
    const lineOfKey = new Map(freshKeys.map((k, i) => [k, rowsText[i]]));
    const edits = new Map<number, Edit>();
    for (const r of found) {
      const k = keyOf.get(String(r.h))!;
      edits.set(Number(r.n), { old: String(r.line), text: lineOfKey.get(k) });
      lineOfKey.delete(k);
    }
    const appended = [...lineOfKey.values()];
    if (!(await splice(req.abs, header, lines.rows, edits, appended))) return undefined;
    await engine.run(`CREATE TEMP TABLE ${q(newLines)} AS SELECT hash(l.__lakegit_line) AS __lakegit_h, k.* FROM (SELECT __lakegit_line FROM ${rawLinesSql(tmpRows, format)}) l
      POSITIONAL JOIN (SELECT ${cols(key)} FROM ${q(fresh)} ORDER BY ${cols(key)}) k`);
    const next = tempName(req.linesDir, 'lines', '.parquet');
    await engine.run(`COPY (SELECT i.* FROM ${oldIndex} i ANTI JOIN ${q(goneLines)} g ON i.__lakegit_h = g.__lakegit_h
        UNION ALL SELECT * FROM ${q(newLines)}) TO ${quoteLiteral(next)} (FORMAT parquet)`);
    const file = `${path.basename(next, '.tmp.parquet').replace(/^\./, '')}.parquet`;
    await fsp.rename(next, path.join(req.linesDir, file));
    const removed = [...edits.values()].filter((e) => e.text === undefined).length;
    return { ...lines, file, rows: lines.rows - removed + appended.length };
  } finally {
    for (const t of [cand, fresh, goneLines, newLines]) await engine.run(`DROP TABLE IF EXISTS ${q(t)}`);
    await fsp.rm(tmpRows, { force: true });
  }
}

/** Chunk ids (base or change) in exactly one of the two manifests. */
function chunksInOneOnly(a: Manifest, b: Manifest): string[] {
  const ids = (m: Manifest) => new Set([...m.chunks, ...m.deltas].map((c) => c.id));
  const [ia, ib] = [ids(a), ids(b)];
  return [...[...ia].filter((id) => !ib.has(id)), ...[...ib].filter((id) => !ia.has(id))];
}

interface Edit {
  /** The line's text now, checked before it is replaced. */
  old: string;
  /** Its replacement; undefined removes the line. */
  text?: string;
}

/**
 * Stream `abs` into a temporary file beside it: data line `n` (0-based, after the header) with an
 * edit is checked and replaced or dropped, every other byte copied; `appended` lines go at the end.
 * The temporary file then replaces `abs` atomically. False (and `abs` untouched) if the file is not
 * what the line index says: another line count, a line not holding the expected text, or a CR.
 */
export async function splice(abs: string, header: boolean, rows: number, edits: Map<number, Edit>, appended: string[]): Promise<boolean> {
  const targets = [...edits.keys()].sort((a, b) => a - b);
  const tmp = tempName(path.dirname(abs), path.basename(abs), '');
  const out = await fsp.open(tmp, 'w');
  let ok = false;
  try {
    let line = header ? -1 : 0;
    let ti = 0;
    let current: Buffer[] = [];
    let last = 10;
    const finish = (writes: Buffer[]): boolean => {
      const edit = edits.get(line)!;
      const was = Buffer.concat(current);
      current = [];
      ti++;
      if (!was.equals(Buffer.from(edit.old, 'utf8'))) return false;
      if (edit.text !== undefined) writes.push(Buffer.from(`${edit.text}\n`, 'utf8'));
      return true;
    };
    for await (const chunk of createReadStream(abs, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      if (chunk.includes(13)) return false;
      const writes: Buffer[] = [];
      let run = 0;
      let pos = 0;
      while (pos < chunk.length) {
        const nl = chunk.indexOf(10, pos);
        const end = nl < 0 ? chunk.length : nl + 1;
        const target = targets[ti] === line;
        if (target) {
          if (pos > run) writes.push(chunk.subarray(run, pos));
          current.push(chunk.subarray(pos, nl < 0 ? end : nl));
          run = end;
        }
        if (nl >= 0) {
          if (target && !finish(writes)) return false;
          line++;
        }
        pos = end;
      }
      if (run < chunk.length) writes.push(chunk.subarray(run));
      last = chunk[chunk.length - 1];
      if (writes.length) await out.writev(writes);
    }
    if (last !== 10) {
      // The last line has no newline: it counts, and one is added before anything follows it.
      const writes: Buffer[] = [];
      if (targets[ti] !== line) writes.push(Buffer.from('\n'));
      else if (!finish(writes)) return false;
      line++;
      await out.writev(writes);
    }
    if (line !== rows || ti !== targets.length) return false;
    if (appended.length) await out.write(appended.map((l) => `${l}\n`).join(''));
    await out.sync();
    ok = true;
  } finally {
    await out.close();
    if (ok) await fsp.rename(tmp, abs);
    else await fsp.rm(tmp, { force: true });
  }
  return true;
}
