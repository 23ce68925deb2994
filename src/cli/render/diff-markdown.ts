import type { DiffRow, DiffSession, TableDiff } from '../../index.js';
import { schemaChanged, schemaText, tableTitle, total } from './diff-format.js';
import type { Out } from './diff-out.js';
import { mdCell, mdTable } from './markdown.js';

/** Rows shown per table when no --limit is given: a pull-request comment has to stay readable. */
export const MARKDOWN_ROWS = 50;

/**
 * `--format markdown`: per table a heading with its counts, then a table of the changed rows (the
 * key, the op, and each compared column: a new value, or `old → new` where it changed), cut to
 * the limit with a count of what was left out.
 */
export async function renderMarkdown(session: DiffSession, out: Out, limit = MARKDOWN_ROWS): Promise<boolean> {
  let differs = false;
  for await (const t of session.tables()) {
    const stats = await t.stats();
    if (t.status === 'modified' && total(stats) === 0 && !schemaChanged(t.schema)) continue;
    differs = true;
    await out.line(`### \`${tableTitle(t)}\` — ${t.status}: +${stats.added} ~${stats.modified} -${stats.removed}`);
    if (schemaChanged(t.schema)) await out.line(`\nSchema: ${schemaText(t.schema, true)}`);
    const rows: DiffRow[] = [];
    for await (const batch of t.rows({ limit, text: true })) rows.push(...batch);
    if (rows.length) await out.line(`\n${table(t, rows)}`);
    const left = total(stats) - rows.length;
    if (left > 0) await out.line(`\n*… and ${left} more changed row(s) not shown.*`);
    await out.line('');
  }
  if (!differs) await out.line('No row changes.');
  return differs;
}

function table(t: TableDiff, rows: DiffRow[]): string {
  const names = t.columns.map((c) => c.name);
  const cell = (r: DiffRow, n: string): string => {
    if (r.op === 'added') return mdCell(r.after![n]);
    if (r.op === 'removed') return `~~${mdCell(r.before![n])}~~`;
    return r.changed.includes(n) ? `${mdCell(r.before![n])} → **${mdCell(r.after![n])}**` : mdCell(r.after![n]);
  };
  return mdTable(
    ['op', ...names.map((n) => `\`${n.replace(/`/g, "'")}\``)],
    rows.map((r) => [r.op, ...names.map((n) => cell(r, n))]),
  );
}
