import type { DiffSession, TableDiff, RowCounts } from '../../index.js';
import { paint } from './color.js';
import { countsText, schemaChanged, schemaText, tableTitle, total } from './diff-format.js';
import type { Out } from './diff-out.js';

const BAR = 40;

/** `--stat`: per table `+a -r ~m` and a bar scaled like git's, then a summary line. */
export async function renderStat(session: DiffSession, out: Out): Promise<boolean> {
  const lines: { t: TableDiff; stats: RowCounts }[] = [];
  for await (const t of session.tables()) {
    const stats = await t.stats();
    if (t.status === 'modified' && total(stats) === 0 && !schemaChanged(t.schema)) continue;
    lines.push({ t, stats });
  }
  const width = Math.max(0, ...lines.map(({ t }) => tableTitle(t).length));
  const most = Math.max(1, ...lines.map(({ stats }) => total(stats)));
  const sum: RowCounts = { added: 0, removed: 0, modified: 0 };
  for (const { t, stats } of lines) {
    for (const k of ['added', 'removed', 'modified'] as const) sum[k] += stats[k];
    const scale = most > BAR ? BAR / most : 1;
    const len = (n: number) => (n > 0 ? Math.max(1, Math.round(n * scale)) : 0);
    const bar =
      paint.green('+'.repeat(len(stats.added))) + paint.red('-'.repeat(len(stats.removed))) + paint.yellow('~'.repeat(len(stats.modified)));
    const extra = [t.status !== 'modified' ? t.status : '', schemaChanged(t.schema) ? `schema: ${schemaText(t.schema)}` : ''].filter(
      Boolean,
    );
    await out.line(` ${tableTitle(t).padEnd(width)} | ${countsText(stats)} ${bar}${extra.length ? ` (${extra.join('; ')})` : ''}`);
  }
  if (lines.length) {
    await out.line(
      ` ${lines.length} table${lines.length === 1 ? '' : 's'} changed, ${sum.added} row(s) added, ${sum.removed} removed, ${sum.modified} modified`,
    );
  }
  return lines.length > 0;
}

/** `--summary`: which tables were added, removed, renamed or modified, and their schema changes. */
export async function renderSummary(session: DiffSession, out: Out): Promise<boolean> {
  let n = 0;
  for await (const t of session.tables()) {
    const schema = schemaChanged(t.schema);
    if (t.status === 'modified' && !schema && (await t.rowsEqual())) continue;
    n++;
    await out.line(` ${t.status.padEnd(8)} ${tableTitle(t)}${schema ? ` (schema: ${schemaText(t.schema, true)})` : ''}`);
  }
  return n > 0;
}

/** `--name-only`: the tables that differ, one a line. */
export async function renderNames(session: DiffSession, out: Out): Promise<boolean> {
  let differs = false;
  for await (const t of session.tables()) {
    const same = t.status === 'modified' && !schemaChanged(t.schema) && (await t.rowsEqual());
    if (same) continue;
    differs = true;
    await out.line(t.table);
  }
  return differs;
}
