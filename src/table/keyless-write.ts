import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import type { ChunkStore } from '../store/chunks.js';
import { tempName } from '../store/fsutil.js';
import { workName } from './changes.js';
import { csvDelimiter, readHeader } from './csvcheck.js';
import { writerOptions } from './files.js';
import { readerSql } from './reader-sql.js';
import { rawLinesSql } from './lineslots.js';
import type { Manifest } from './manifest.js';
import { writeSnapshot } from './ordered-write.js';
import { names } from './rowsql.js';
import { splice } from './splice-lines.js';
import { TableSnapshot } from './snapshot.js';

/**
 * Writing a keyless CSV, TSV or JSON Lines working file without reordering it. A keyless table is
 * a multiset of rows and its file's order is the user's, so the file is brought to `after` by
 * removing and appending lines only. Of a row the file holds `a` copies of and `after` holds `b`:
 * - b ≥ a: its `a` lines stay where they are, byte for byte, and b − a copies are appended;
 * - b < a: its first b lines (in file order) stay and the last a − b are removed.
 * Appended rows go at the end in the order a full write gives them (identity order: by value).
 *
 * Rows are matched by the text a full write gives them (which is exact: equal text, equal values):
 * `after` is written whole to a temporary file first, and a line of the working file that is one
 * of its lines needs no parsing. Only the other lines (rows that go, or the user's own formatting)
 * are parsed with `after`'s types and formatted as a full write would. When the file cannot be
 * matched this way (another header, a record over several lines, an empty line, a value that does
 * not read as its column's type), the whole file is replaced by the full write, as before.
 */
export async function writeKeylessFile(engine: Engine, store: ChunkStore, abs: string, after: Manifest): Promise<void> {
  const format = after.source.format;
  const ext = path.extname(abs);
  const full = tempName(path.dirname(abs), path.basename(abs, ext), ext);
  try {
    await writeSnapshot(engine, new TableSnapshot(after, store), full, format, { delimiter: after.source.delimiter });
    if (!(await inPlace(engine, abs, full, after).catch(() => false))) await fsp.rename(full, abs);
  } finally {
    await fsp.rm(full, { force: true });
  }
}

const [LINE, N, K, CW, CF, P] = ['__lakegit_line', '__lakegit_n', '__lakegit_k', '__lakegit_cw', '__lakegit_cf', '__lakegit_p'].map(
  quoteIdent,
);
const q = quoteIdent;

/** Every line of a file as one text column, the header included, in file order (the table's rowid). */
const allLines = (abs: string, format: Manifest['source']['format']) => rawLinesSql(abs, format, false);

/** Lines written verbatim (one VARCHAR column, no quoting), for a reader to parse. */
const VERBATIM = `FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER ${quoteLiteral('\x01\x02\x03\x04')}`;

/** The scratch tables of one rewrite. */
interface Scratch {
  /** Lines of the working file / of the full write (rowid: line number, the header is line 0). */
  wl: string;
  fl: string;
  /** Each distinct line of the full write: its copies and the first one's line number. */
  fc: string;
  /** Lines of the working file that the full write does not have (rows that go, or formatted otherwise). */
  wx: string;
  xc: string;
  /** Those lines as the full write formats their rows. */
  xcanon: string;
  /** Copies of each row (by its formatted line) in the file, and the rows whose copies differ. */
  wc: string;
  cmp: string;
  gone: string;
}

/** True when `abs` now holds the rows of `full` (its order kept); false when it cannot be done (`abs` untouched). */
async function inPlace(engine: Engine, abs: string, full: string, after: Manifest): Promise<boolean> {
  const format = after.source.format;
  const h = format === 'jsonl' ? 0 : 1;
  if (h && !(await sameHeader(abs, after))) return false;
  const scratch = ['wl', 'fl', 'fc', 'wx', 'xc', 'xcanon', 'wc', 'cmp', 'gone'] as const;
  const t = Object.fromEntries(scratch.map((n) => [n, q(workName(`k${n}`))])) as unknown as Scratch;
  const ext = path.extname(abs);
  const files = [tempName(path.dirname(abs), 'lakegit-rows', ext), tempName(path.dirname(abs), 'lakegit-canon', ext)] as const;
  const data = (table: string) => `(SELECT rowid AS ${N}, ${LINE} FROM ${table} WHERE rowid >= ${h})`;
  try {
    await engine.run(`CREATE TEMP TABLE ${t.wl} AS SELECT ${LINE} FROM ${allLines(abs, format)}`);
    await engine.run(`CREATE TEMP TABLE ${t.fl} AS SELECT ${LINE} FROM ${allLines(full, format)}`);
    const blank = (table: string) => `SELECT count(*) FILTER (WHERE ${LINE} IS NULL OR ${LINE} = '') FROM ${table} WHERE rowid >= ${h}`;
    if (Number(await engine.value(blank(t.wl))) || Number(await engine.value(blank(t.fl)))) return false;
    // A full write holds one line per row unless a value holds a newline.
    if (Number(await engine.value(`SELECT count(*) - ${h} FROM ${t.fl}`)) !== after.rows) return false;
    await engine.run(
      `CREATE TEMP TABLE ${t.fc} AS SELECT ${LINE}, count(*) AS ${CF}, min(${N}) AS ${P} FROM ${data(t.fl)} GROUP BY ${LINE}`,
    );
    await engine.run(
      `CREATE TEMP TABLE ${t.wx} AS SELECT w.${N}, w.${LINE} FROM ${data(t.wl)} w ANTI JOIN ${t.fc} f ON w.${LINE} = f.${LINE}`,
    );
    if (!(await formatOthers(engine, t, h, after, files))) return false;
    await engine.run(`CREATE TEMP TABLE ${t.wc} AS SELECT ${LINE}, sum(${CW}) AS ${CW} FROM (
        SELECT a.* FROM (SELECT ${LINE}, count(*) AS ${CW} FROM ${data(t.wl)} GROUP BY ${LINE}) a SEMI JOIN ${t.fc} f ON a.${LINE} = f.${LINE}
        UNION ALL SELECT ${LINE}, count(*) FROM ${t.xcanon} GROUP BY ${LINE}) GROUP BY ${LINE}`);
    await engine.run(`CREATE TEMP TABLE ${t.cmp} AS SELECT * FROM (SELECT coalesce(w.${LINE}, f.${LINE}) AS ${LINE},
        coalesce(w.${CW}, 0) AS ${CW}, coalesce(f.${CF}, 0) AS ${CF}, f.${P} FROM ${t.wc} w FULL JOIN ${t.fc} f ON w.${LINE} = f.${LINE})
      WHERE ${CW} <> ${CF}`);
    // Of a row with more copies in the file than in `after`, the copies beyond: the last ones in file order.
    const excess = `(SELECT ${LINE}, ${CF} FROM ${t.cmp} WHERE ${CW} > ${CF})`;
    const formattedCopies = Number(await engine.value(`SELECT count(*) FROM ${excess} WHERE ${CF} > 0`))
      ? `SELECT w.* FROM ${data(t.wl)} w SEMI JOIN ${excess} e ON w.${LINE} = e.${LINE} UNION ALL `
      : '';
    await engine.run(`CREATE TEMP TABLE ${t.gone} AS SELECT c.${N} FROM (${formattedCopies}SELECT ${N}, ${LINE} FROM ${t.xcanon}) c
        JOIN ${excess} x ON c.${LINE} = x.${LINE} QUALIFY row_number() OVER (PARTITION BY c.${LINE} ORDER BY c.${N}) > x.${CF}`);
    // The copies the file lacks, in the full write's order.
    const appended = await engine.all(`SELECT ${LINE} AS line, ${CF} - ${CW} AS copies FROM ${t.cmp} WHERE ${CF} > ${CW} ORDER BY ${P}`);
    const removed = await engine.all(
      `SELECT w.rowid - ${h} AS n, hash(w.${LINE})::VARCHAR AS hash FROM ${t.wl} w SEMI JOIN ${t.gone} g ON w.rowid = g.${N}`,
    );
    if (removed.length === 0 && appended.length === 0) return true; // the file already holds these rows
    const rows = Number(await engine.value(`SELECT count(*) - ${h} FROM ${t.wl}`));
    const edits = new Map(removed.map((r) => [Number(r.n), { hash: String(r.hash) }]));
    return await splice(
      engine,
      abs,
      h === 1,
      rows,
      edits,
      appended.flatMap((r) => Array<string>(Number(r.copies)).fill(String(r.line))),
    );
  } finally {
    for (const n of scratch) await engine.run(`DROP TABLE IF EXISTS ${t[n]}`);
    for (const f of files) await fsp.rm(f, { force: true });
  }
}

/** A CSV or TSV file whose delimiter and column names (in order) are `after`'s: its header line is kept as it is. */
async function sameHeader(abs: string, after: Manifest): Promise<boolean> {
  const format = after.source.format;
  const delim = format === 'tsv' ? '\t' : (after.source.delimiter ?? ',');
  if (format === 'csv' && csvDelimiter(abs) !== delim) return false;
  return JSON.stringify(await readHeader(abs, delim)) === JSON.stringify(names(after.columns));
}

/**
 * `xcanon`: the lines the full write does not have, each as the full write formats its row: they
 * are written out (after the file's own header), read with `after`'s types, and written again.
 * False when they do not read as one row each.
 */
async function formatOthers(engine: Engine, t: Scratch, h: number, after: Manifest, files: readonly [string, string]): Promise<boolean> {
  const others = Number(await engine.value(`SELECT count(*) FROM ${t.wx}`));
  if (others === 0) {
    await engine.run(`CREATE TEMP TABLE ${t.xcanon} AS SELECT * FROM ${t.wx}`);
    return true;
  }
  const format = after.source.format;
  const [xFile, cFile] = files;
  await engine.run(`COPY (SELECT ${LINE} FROM (SELECT rowid AS ${N}, ${LINE} FROM ${t.wl} WHERE rowid < ${h} UNION ALL SELECT * FROM ${t.wx})
    ORDER BY ${N}) TO ${quoteLiteral(xFile)} (${VERBATIM})`);
  await engine.run(
    `COPY (SELECT * FROM ${readerSql(xFile, format, after.columns)}) TO ${quoteLiteral(cFile)} (${writerOptions(format, after.source.delimiter)})`,
  );
  await engine.run(`CREATE TEMP TABLE ${t.xc} AS SELECT ${LINE} FROM ${allLines(cFile, format)}`);
  const check =
    await engine.one(`SELECT count(*) - ${h} AS n, count(*) FILTER (WHERE rowid >= ${h} AND (${LINE} IS NULL OR ${LINE} = '')) AS bad
    FROM ${t.xc}`);
  if (Number(check?.n) !== others || Number(check?.bad)) return false;
  await engine.run(`CREATE TEMP TABLE ${t.xcanon} AS SELECT o.${N}, p.${LINE}
    FROM (SELECT ${N}, row_number() OVER (ORDER BY ${N}) AS ${K} FROM ${t.wx}) o
    JOIN (SELECT rowid - ${h} + 1 AS ${K}, ${LINE} FROM ${t.xc} WHERE rowid >= ${h}) p ON o.${K} = p.${K}`);
  return true;
}
