import type { Json } from '@duckdb/node-api';
import type { RowHistoryEntry } from '../../index.js';
import { paint, shortId } from './color.js';

const text = (v: Json | undefined): string => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? v : JSON.stringify(v));
const keyText = (key: Record<string, Json>): string =>
  Object.entries(key)
    .map(([k, v]) => `${k}=${text(v)}`)
    .join(', ');

/** `log --key`: each commit as `log` shows it, then what it did to the row. */
export function renderRowHistory(entries: RowHistoryEntry[], oneline: boolean): string {
  if (oneline) return entries.map((e) => `${paint.yellow(shortId(e.commit))} ${e.row.op.padEnd(8)} ${e.message.split('\n')[0]}`).join('\n');
  return entries.map(renderEntry).join('\n\n');
}

function renderEntry(e: RowHistoryEntry): string {
  const lines = [paint.yellow(`commit ${e.commit}`)];
  if (e.parents.length > 1) lines.push(`Merge: ${e.parents.map(shortId).join(' ')}`);
  lines.push(`Author: ${e.author}`, `Date:   ${e.date}`, '', ...e.message.split('\n').map((l) => `    ${l}`), '');
  const { row } = e;
  lines.push(`    ${e.table} ${keyText(row.key)}: ${row.op}`);
  if (row.op === 'modified') {
    for (const c of row.changed) lines.push(`      ${c}: ${paint.red(text(row.before![c]))} -> ${paint.green(text(row.after![c]))}`);
  } else {
    const values = (row.after ?? row.before)!;
    const paintOp = row.op === 'added' ? paint.green : paint.red;
    lines.push(
      `      ${paintOp(
        `${row.op === 'added' ? '+' : '-'} ${Object.entries(values)
          .map(([k, v]) => `${k}=${text(v)}`)
          .join(', ')}`,
      )}`,
    );
  }
  return lines.join('\n');
}
