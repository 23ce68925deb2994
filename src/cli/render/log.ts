import type { LogEntry, ShowResult } from '../../index.js';
import { paint, shortId } from './color.js';
import { countsLine } from './text.js';

export function renderLog(entries: LogEntry[], oneline: boolean): string {
  if (oneline) return entries.map((e) => `${paint.yellow(shortId(e.commit))} ${e.message.split('\n')[0]}`).join('\n');
  return entries.map(renderEntry).join('\n\n');
}

function renderEntry(e: LogEntry): string {
  const lines = [paint.yellow(`commit ${e.commit}`)];
  if (e.parents.length > 1) lines.push(`Merge: ${e.parents.map(shortId).join(' ')}`);
  lines.push(`Author: ${e.author}`, `Date:   ${e.date}`, '', ...e.message.split('\n').map((l) => `    ${l}`));
  if (e.tables.length) lines.push('', `    tables: ${e.tables.join(', ')}`);
  return lines.join('\n');
}

export function renderShow(r: ShowResult): string {
  const lines = [renderEntry({ ...r, tables: [] }), ''];
  for (const c of r.changes) {
    lines.push(` ${c.table} (${c.status})  ${countsLine(c)}${c.schemaChanged ? paint.cyan(' schema changed') : ''}`);
  }
  return lines.join('\n');
}
