import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { workName } from './changes.js';
import { writerOptions } from './files.js';
import { rawLinesSql } from './lineindex.js';
import type { Manifest } from './manifest.js';
import { splice } from './patch-write.js';
import { cols, identityOrder, names, rowText } from './rowsql.js';
import { TableSnapshot } from './snapshot.js';

/**
 * Writing a keyless CSV, TSV or JSON Lines working file in place. A keyless table is a multiset of
 * rows, and its file's order is the user's: the file is brought to `after` by removing and appending
 * lines only. A row is matched by its canonical text (rowsql.ts, exact: '1 day' is not '24 hours');
 * of a row the file has `a` copies of and `after` has `b`:
 * - b ≥ a: all `a` lines stay where they are, byte for byte, and b − a copies are appended;
 * - b < a: the first b lines holding it (in file order) stay, the last a − b are removed.
 * Appended rows go at the end in the order a full write gives them (identity order: by value),
 * formatted by the same COPY. The file is read once (parsed, by the caller) plus twice as raw lines;
 * only `after`'s rows are aggregated. A file whose lines are not one row each is not touched.
 */
export interface KeylessRequest {
  abs: string;
  after: Manifest;
  /** A table holding the file's rows in file order, read with `after`'s columns and types. */
  work: string;
}

const [N, T, C, K, LINE] = ['__lakegit_n', '__lakegit_t', '__lakegit_c', '__lakegit_k', '__lakegit_line'].map(quoteIdent);

/** True when the file now holds `after`'s rows; false when it cannot be done in place (the file is untouched). */
export async function rewriteKeylessFile(engine: Engine, store: ChunkStore, req: KeylessRequest): Promise<boolean> {
  const { after } = req;
  const format = after.source.format;
  if (format === 'parquet' || after.key) return false;
  const columns = names(after.columns);
  const q = quoteIdent;
  const [lines, target, removed, added] = ['klines', 'ktarget', 'kremoved', 'kadded'].map(workName);
  const ext = format === 'jsonl' ? '.jsonl' : format === 'tsv' ? '.tsv' : '.csv';
  const tmpRows = tempName(path.dirname(req.abs), 'lakegit-rows', ext);
  // 128 bits of the row's canonical text: rows are compared by it without holding the text.
  const digest = (alias: string) => `md5_number(${rowText(columns, alias)})`;
  try {
    const rows = Number(await engine.value(`SELECT count(*) FROM ${q(req.work)}`));
    // Line n of the file and row n of the work table, side by side. A POSITIONAL JOIN pads the
    // shorter side with NULLs, so any mismatch (a record over several lines) shows as a NULL; an
    // empty line (which a reader may skip) is refused too.
    await engine.run(`CREATE TEMP TABLE ${q(lines)} AS SELECT p.range AS ${N}, ${digest('w')} AS ${T},
        l.${LINE} IS NULL OR l.${LINE} = '' OR w.__lakegit_row IS NULL AS __lakegit_bad
      FROM (SELECT ${LINE} FROM ${rawLinesSql(req.abs, format)}) l
      POSITIONAL JOIN (SELECT true AS __lakegit_row, * FROM ${q(req.work)}) w POSITIONAL JOIN range(${rows}) p`);
    const check = await engine.one(
      `SELECT count(*) AS total, count(*) FILTER (WHERE __lakegit_bad OR ${N} IS NULL) AS bad FROM ${q(lines)}`,
    );
    if (Number(check?.total) !== rows || Number(check?.bad) !== 0) return false;
    const snap = new TableSnapshot(after, store);
    await engine.run(
      `CREATE TEMP TABLE ${q(target)} AS SELECT ${digest('s')} AS ${T}, count(*) AS ${C} FROM (${snap.sql()}) s GROUP BY ALL`,
    );
    // The lines beyond the copies `after` keeps of their row: the last ones in file order.
    await engine.run(`CREATE TEMP TABLE ${q(removed)} AS SELECT f.${N} FROM
        (SELECT ${N}, ${T}, row_number() OVER (PARTITION BY ${T} ORDER BY ${N}) AS ${K} FROM ${q(lines)}) f
        LEFT JOIN ${q(target)} g ON f.${T} = g.${T} WHERE f.${K} > coalesce(g.${C}, 0)`);
    // The copies of each row that the file lacks.
    await engine.run(`CREATE TEMP TABLE ${q(added)} AS SELECT ${cols(columns, 'x')} FROM
        (SELECT s.*, ${digest('s')} AS ${T}, row_number() OVER (PARTITION BY ${digest('s')}) AS ${K} FROM (${snap.sql()}) s) x
        LEFT JOIN (SELECT ${T}, count(*) AS ${C} FROM ${q(lines)} GROUP BY ALL) h ON x.${T} = h.${T} WHERE x.${K} > coalesce(h.${C}, 0)`);
    const [gone, fresh] = [
      Number(await engine.value(`SELECT count(*) FROM ${q(removed)}`)),
      Number(await engine.value(`SELECT count(*) FROM ${q(added)}`)),
    ];
    if (gone === 0 && fresh === 0) return true; // the file already holds these rows
    const old = await engine.all(`SELECT p.range AS n, l.${LINE} AS line FROM (SELECT ${LINE} FROM ${rawLinesSql(req.abs, format)}) l
      POSITIONAL JOIN range(${rows}) p WHERE p.range IN (SELECT ${N} FROM ${q(removed)})`);
    if (old.length !== gone || old.some((r) => r.n === null || r.line === null)) return false;
    const edits = new Map(old.map((r) => [Number(r.n), { old: String(r.line) }]));
    let appended: string[] = [];
    if (fresh > 0) {
      await engine.run(
        `COPY (SELECT * FROM ${q(added)} ORDER BY ${identityOrder(columns, true)}) TO ${quoteLiteral(tmpRows)} (${writerOptions(format, after.source.delimiter)})`,
      );
      const text = (await fsp.readFile(tmpRows, 'utf8')).split('\n');
      appended = text.slice(format === 'jsonl' ? 0 : 1, -1);
      // A value with a newline in it spans lines: such rows cannot be appended line by line.
      if (text[text.length - 1] !== '' || appended.length !== fresh || text.some((l) => l.includes('\r'))) return false;
    }
    return await splice(req.abs, format !== 'jsonl', rows, edits, appended);
  } finally {
    for (const t of [lines, target, removed, added]) await engine.run(`DROP TABLE IF EXISTS ${q(t)}`);
    await fsp.rm(tmpRows, { force: true });
  }
}
