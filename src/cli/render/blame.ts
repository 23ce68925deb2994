import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Json } from '@duckdb/node-api';
import type { BlameResult, BlameRow, RowCommits } from '../../index.js';
import { paint, shortId } from './color.js';
import { csvField } from './text.js';
import { chars, cut, pad } from './width.js';

export type BlameFormat = 'table' | 'json' | 'csv';

/** Write with back-pressure, so a million-row blame never sits whole in the output buffer. */
async function put(out: Writable, text: string | Buffer): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Stream a blame to `out` in one format; every format is rendered from the same rows. */
export async function writeBlame(r: BlameResult, format: BlameFormat, out: Writable, width?: number): Promise<void> {
  if (format === 'json') return writeJson(r, out);
  if (format === 'csv') return writeCsv(r, out);
  return writeTable(r, out, width ?? 120);
}

/** `blame --json`: exactly the contract's shape, one row per line. */
async function writeJson(r: BlameResult, out: Writable): Promise<void> {
  await put(out, `{"table": ${JSON.stringify(r.table)}, "rev": ${JSON.stringify(r.rev)}, "rows": [`);
  let first = true;
  for await (const batch of r.rows) {
    if (batch.length === 0) continue;
    const text = batch.map((row) => `\n  ${JSON.stringify(row)}`).join(',');
    await put(out, first ? text : `,${text}`);
    first = false;
  }
  await put(out, `${first ? '' : '\n'}]}\n`);
}

/** `--format csv`: the key columns, the row's commit, author, date and message, then each cell's. */
async function writeCsv(r: BlameResult, out: Writable): Promise<void> {
  const header = [
    ...r.identity,
    'commit',
    'author',
    'date',
    'message',
    ...r.columns.flatMap((c) => [`${c}_commit`, `${c}_author`, `${c}_date`]),
  ];
  await put(out, `${header.map(csvField).join(',')}\n`);
  for await (const batch of r.rows) {
    const lines = batch.map((row) =>
      [
        ...Object.values(row.key),
        row.commit,
        row.author,
        row.date,
        row.message,
        ...r.columns.flatMap((c) => [row.cells![c].commit, row.cells![c].author, row.cells![c].date]),
      ]
        .map(csvField)
        .join(','),
    );
    if (lines.length) await put(out, `${lines.join('\n')}\n`);
  }
}

const text = (v: Json | undefined): string => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v));
const keyTextOf = (values: (Json | undefined)[]): string => {
  const s = values.length === 1 ? text(values[0]) : values.map(text).join(',');
  return /[\n\r\t]/.test(s) ? s.replace(/[\n\r\t]/g, ' ') : s;
};
const keyText = (row: BlameRow): string => keyTextOf(Object.values(row.key));
const name = (author: string): string => author.replace(/\s*<[^>]*>$/, '');

/**
 * The readable table: key, short commit (and each cell's commit with --cells), author, date and the
 * message's first line cut to the width. The key column is as wide as the longest key (up to 40).
 */
async function writeTable(r: BlameResult, out: Writable, width: number): Promise<void> {
  const authorWidth = Math.min(24, Math.max(6, ...r.commits.map((c) => name(c.author).length)));
  const longest = await r.keyWidth();
  const head = r.identity.join(',');
  const columnWise = r.columns.length === 0 ? r.rowCommits() : undefined;
  if (columnWise) return writeRowCommits(r, columnWise, out, { width, authorWidth, longest });
  let render: ((row: BlameRow) => string) | undefined;
  for await (const batch of r.rows) {
    if (!render) {
      if (batch.length === 0) continue;
      const keyWidth = Math.min(40, Math.max(chars(head), longest, ...batch.map((row) => chars(keyText(row)))));
      await put(out, headerLine(r, keyWidth, authorWidth, width));
      render = lineRenderer(r, keyWidth, authorWidth, width);
    }
    let lines = '';
    for (const row of batch) lines += `${render(row)}\n`;
    await put(out, lines);
  }
}

/**
 * Row blame from key columns and commit ordinals: no object per row, each line a padded key and
 * its commit's part, rendered once per commit.
 */
async function writeRowCommits(
  r: BlameResult,
  batches: AsyncGenerator<RowCommits>,
  out: Writable,
  size: { width: number; authorWidth: number; longest: number },
): Promise<void> {
  let keyWidth = -1;
  let tails: string[] = [];
  let asciiTails = false;
  let tailBytes: Buffer[] | undefined;
  for await (const { keys, commits } of batches) {
    if (commits.length === 0) continue;
    const { texts, numeric } = keyTexts(keys, commits.length);
    if (keyWidth < 0) {
      keyWidth = Math.min(40, Math.max(chars(r.identity.join(',')), size.longest, ...texts.map(chars)));
      await put(out, headerLine(r, keyWidth, size.authorWidth, size.width));
      const tail = tailRenderer(r, keyWidth, size.authorWidth, size.width);
      tails = r.commits.map((c) => `  ${tail({ ...c, key: {} })}\n`);
      asciiTails = tails.every((t) => ASCII.test(t));
    }
    if (numeric && asciiTails) {
      tailBytes ??= tails.map((t) => Buffer.from(t, 'latin1'));
      await put(out, asciiLines(texts, commits, keyWidth, tailBytes));
      continue;
    }
    let lines = '';
    for (let i = 0; i < texts.length; i++) {
      const s = texts[i];
      lines += pad(s, keyWidth) + tails[commits[i]];
    }
    await put(out, lines);
  }
}

/**
 * A batch's lines as bytes, when keys and tails are ASCII (a number's text, a width its length):
 * written straight into one buffer. Joining them as a string first costs more than building them:
 * a batch's string is a large object V8 allocates fresh, then copies again into bytes.
 */
function asciiLines(texts: string[], commits: number[], keyWidth: number, tails: Buffer[]): Buffer {
  let size = 0;
  for (let i = 0; i < texts.length; i++) size += Math.max(keyWidth, texts[i].length) + tails[commits[i]].length;
  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  for (let i = 0; i < texts.length; i++) {
    const s = texts[i];
    for (let j = 0; j < s.length; j++) buf[o++] = s.charCodeAt(j);
    for (let j = s.length; j < keyWidth; j++) buf[o++] = 32;
    const t = tails[commits[i]];
    buf.set(t, o);
    o += t.length;
  }
  return buf;
}

const ASCII = /^[\x00-\x7f]*$/;

/** Each row's key text; `numeric` when every one is a number's (one numeric key column), so plain ASCII. */
function keyTexts(keys: Json[][], n: number): { texts: string[]; numeric: boolean } {
  const texts = new Array<string>(n);
  if (keys.length === 1) {
    const values = keys[0];
    let numeric = true;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === 'number') texts[i] = String(v);
      else {
        numeric = false;
        texts[i] = keyTextOf([v]);
      }
    }
    return { texts, numeric };
  }
  for (let i = 0; i < n; i++) texts[i] = keyTextOf(keys.map((k) => k[i]));
  return { texts, numeric: false };
}

function headerLine(r: BlameResult, keyWidth: number, authorWidth: number, width: number): string {
  const head = r.identity.join(',');
  const heads = [
    pad(cut(head, keyWidth), keyWidth),
    pad('COMMIT', 7),
    ...r.columns.map((c) => pad(cut(c, 12), Math.max(7, Math.min(12, c.length)))),
    pad('AUTHOR', authorWidth),
    pad('DATE', 10),
    'MESSAGE',
  ];
  return `${paint.bold(cut(heads.join('  '), width))}\n`;
}

/**
 * One row's line. Everything after the key depends only on the commits blamed, so each distinct
 * commit (or, with --cells, each combination) is rendered once: a table of millions of rows is
 * blamed on a few hundred commits.
 */
function lineRenderer(r: BlameResult, keyWidth: number, authorWidth: number, width: number): (row: BlameRow) => string {
  const tail = tailRenderer(r, keyWidth, authorWidth, width);
  const rest = new Map<string, string>();
  const restOf = (row: BlameRow): string => {
    const id = r.columns.length ? [row.commit, ...r.columns.map((c) => row.cells![c].commit)].join(' ') : row.commit;
    let text = rest.get(id);
    if (text === undefined) rest.set(id, (text = tail(row)));
    return text;
  };
  // A key is never cut: it names the row. One longer than 40 characters shifts its line instead.
  return (row) => `${pad(keyText(row), keyWidth)}  ${restOf(row)}`;
}

/** A line after its key: the row's commit, each cell's, author, date and the message's first line. */
function tailRenderer(r: BlameResult, keyWidth: number, authorWidth: number, width: number): (row: BlameRow) => string {
  const cellWidth = (c: string) => Math.max(7, Math.min(12, c.length));
  const used = keyWidth + 2 + 7 + r.columns.reduce((s, c) => s + cellWidth(c) + 2, 0) + 2 + authorWidth + 2 + 10 + 2;
  return (row) =>
    [
      paint.yellow(shortId(row.commit)),
      ...r.columns.map((c) => paint.yellow(pad(shortId(row.cells![c].commit), cellWidth(c)))),
      pad(cut(name(row.author), authorWidth), authorWidth),
      row.date.slice(0, 10),
      cut(row.message.split('\n')[0], Math.max(10, width - used)),
    ].join('  ');
}
