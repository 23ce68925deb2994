import type { Json } from '@duckdb/node-api';
import { diffWordsWithSpace } from 'diff';
import type { JsonRow, DiffRow, DiffSession, TableDiff } from '../../index.js';
import { paint, shortId } from './color.js';
import { countsText, schemaChanged, schemaText, tableTitle, total, valueText } from './diff-format.js';
import type { Out } from './diff-out.js';

const SEP = ' │ ';
const label = (id: string) => (/^[0-9a-f]{40}$/.test(id) ? shortId(id) : id);

/**
 * The readable diff: per table a header (status, counts, schema changes), then one line per row:
 * the key, then for modified rows only the changed columns as `old → new`.
 */
export async function renderTable(session: DiffSession, out: Out, limit?: number): Promise<boolean> {
  let differs = false;
  for await (const t of session.tables()) {
    const stats = await t.stats();
    if (t.status === 'modified' && total(stats) === 0 && !schemaChanged(t.schema)) continue;
    differs = true;
    await out.line(paint.bold(`diff ${tableTitle(t)}  (${label(session.from)} → ${label(session.to)})`));
    await out.line(`${t.status}  ${countsText(stats)}`);
    if (schemaChanged(t.schema)) await out.line(`schema: ${schemaText(t.schema, true)}`);
    let shown = 0;
    for await (const batch of t.rows({ limit })) {
      if (out.closed) break;
      shown += batch.length;
      await out.write(batchText(t, batch));
    }
    if (shown < total(stats)) await out.line(paint.dim(`… ${total(stats) - shown} more row(s) not shown (--limit)`));
    await out.line('');
    if (out.closed) break;
  }
  return differs;
}

const keyText = (t: TableDiff, r: DiffRow): string =>
  r.key
    ? Object.entries(r.key)
        .map(([k, v]) => (t.key!.length === 1 ? valueText(v) : `${k}=${valueText(v)}`))
        .join(', ')
    : '';

const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;

/** Rows of one fetched batch, keys padded to the widest key in the batch. */
function batchText(t: TableDiff, batch: DiffRow[]): string {
  const keys = batch.map((r) => keyText(t, r));
  const width = Math.max(0, ...keys.map(visible));
  return batch
    .map((r, i) => {
      const key = t.key ? `${keys[i]}${' '.repeat(width - visible(keys[i]))}${SEP}` : '';
      if (r.op === 'added') return `${paint.green('+')} ${key}${paint.green(cells(t, r.after!))}\n`;
      if (r.op === 'removed') return `${paint.red('-')} ${key}${paint.red(cells(t, r.before!))}\n`;
      return `${paint.yellow('~')} ${key}${r.changed.map((c) => change(c, r.before![c] ?? null, r.after![c] ?? null)).join(SEP)}\n`;
    })
    .join('');
}

function cells(t: TableDiff, row: JsonRow): string {
  return Object.entries(row)
    .filter(([k]) => !t.key?.includes(k))
    .map(([k, v]) => `${k}=${valueText(v)}`)
    .join('  ');
}

function change(column: string, before: Json, after: Json): string {
  if (typeof before === 'string' && typeof after === 'string' && before.length + after.length <= 4000) {
    const [b, a] = wordDiff(before, after);
    return `${column}: ${b} → ${a}`;
  }
  return `${column}: ${paint.red(valueText(before))} → ${paint.green(valueText(after))}`;
}

const CONTEXT = 24;
const WIDE = 160;

/** Both strings with the words that differ highlighted; unchanged runs and very long texts shortened. */
function wordDiff(before: string, after: string): [string, string] {
  const quote = !/^[^\s"'=,│→]+$/u.test(before) || !/^[^\s"'=,│→]+$/u.test(after);
  const esc = (s: string) => (quote ? JSON.stringify(s).slice(1, -1) : s);
  const squeeze = (s: string) => (s.length > 2 * CONTEXT + 1 ? `${s.slice(0, CONTEXT)}…${s.slice(-CONTEXT)}` : s);
  const side = (keep: (p: { added?: boolean; removed?: boolean }) => boolean, mark: (s: string) => string) => {
    let text = '';
    let width = 0;
    for (const part of diffWordsWithSpace(before, after)) {
      if (!keep(part)) continue;
      const changed = part.added || part.removed;
      const piece = changed ? esc(part.value) : squeeze(esc(part.value));
      if (width + piece.length > WIDE)
        return `${text}${changed ? mark(piece.slice(0, Math.max(0, WIDE - width))) : piece.slice(0, Math.max(0, WIDE - width))}…`;
      text += changed ? mark(piece) : piece;
      width += piece.length;
    }
    return text;
  };
  const b = side(
    (p) => !p.added,
    (x) => paint.red.underline(x),
  );
  const a = side(
    (p) => !p.removed,
    (x) => paint.green.underline(x),
  );
  return quote ? [`"${b}"`, `"${a}"`] : [b, a];
}
