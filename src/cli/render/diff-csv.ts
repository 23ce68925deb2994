import type { DiffSession } from '../../index.js';
import { schemaChanged } from './diff-format.js';
import type { Out } from './diff-out.js';
import { csvField } from './text.js';

/**
 * `--format csv`: per table a header `op,<columns>`, then one line per changed row holding the new
 * values (the old ones for removed rows), in DuckDB's text form. Tables are separated by a blank line;
 * when the diff covers several tables each header and line starts with a `table` column.
 */
export async function renderCsv(session: DiffSession, out: Out, limit?: number): Promise<boolean> {
  let blocks = 0;
  let differs = false;
  const tableColumn = session.tableCount > 1;
  for await (const t of session.tables()) {
    let header = false;
    const names = t.columns.map((c) => c.name);
    const lead = tableColumn ? [t.table] : [];
    for await (const batch of t.rows({ limit, text: true })) {
      if (out.closed) break;
      if (!header) {
        await out.write(`${blocks++ ? '\n' : ''}${[...(tableColumn ? ['table'] : []), 'op', ...names].map(csvField).join(',')}\n`);
        header = true;
      }
      await out.write(
        batch
          .map((r) => {
            const row = (r.op === 'removed' ? r.before : r.after)!;
            return `${[...lead, r.op, ...names.map((n) => row[n] ?? null)].map(csvField).join(',')}\n`;
          })
          .join(''),
      );
    }
    differs ||= header || t.status !== 'modified' || schemaChanged(t.schema);
  }
  return differs;
}
