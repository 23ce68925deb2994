import type { DiffSession, TableDiff, RowCounts } from '../../index.js';
import { schemaChanged, total } from './diff-format.js';
import type { Out } from './diff-out.js';

export type JsonMode = 'rows' | 'stat' | 'summary';

const head = (t: TableDiff) => ({ table: t.table, status: t.status, ...(t.from !== undefined ? { from: t.from } : {}), schema: t.schema });

/**
 * `diff --json`, exactly the contract's shape, written as it streams: one object per table with
 * `stats` before `rows`, one row per line. `--stat` leaves out `rows`; `--summary` also `stats`.
 */
export async function renderJson(session: DiffSession, out: Out, mode: JsonMode, limit?: number): Promise<boolean> {
  await out.write(`{"from":${JSON.stringify(session.from)},"to":${JSON.stringify(session.to)},"tables":[`);
  let n = 0;
  for await (const t of session.tables()) {
    const stats: RowCounts | undefined = mode === 'summary' ? undefined : await t.stats();
    const same = stats ? total(stats) === 0 : await t.rowsEqual();
    if (t.status === 'modified' && same && !schemaChanged(t.schema)) continue;
    const obj = JSON.stringify({ ...head(t), ...(stats ? { stats } : {}) });
    await out.write(`${n++ ? ',' : ''}\n${mode === 'rows' ? obj.slice(0, -1) : obj}`);
    if (mode !== 'rows') continue;
    await out.write(',"rows":[');
    let first = true;
    for await (const piece of t.jsonText({ limit })) {
      if (out.closed) break;
      if (first) await out.write('\n');
      first = false;
      await out.write(piece);
    }
    await out.write(']}');
  }
  await out.write(`${n ? '\n' : ''}]}\n`);
  return n > 0;
}
