import type { LogEntry, ShowResult } from '../../index.js';
import { paint, shortId } from './color.js';
import { countsLine } from './text.js';
import { graphLines } from './graph.js';

export interface LogView {
  oneline?: boolean;
  graph?: boolean;
  /** Per-table row counts of each commit, as `--stat` shows them. */
  stats?: Map<string, { table: string; added: number; modified: number; removed: number }[]>;
}

export function renderLog(entries: LogEntry[], view: LogView | boolean): string {
  const v: LogView = typeof view === 'boolean' ? { oneline: view } : view;
  const lines = (e: LogEntry): string[] => {
    const stat = (v.stats?.get(e.commit) ?? []).map((c) => ` ${c.table} ${countsLine(c)}`);
    if (v.oneline) return [`${paint.yellow(shortId(e.commit))} ${e.message.split('\n')[0]}`, ...stat];
    return [...renderEntry(v.stats ? { ...e, tables: [] } : e).split('\n'), ...(stat.length ? ['', ...stat] : []), ''];
  };
  if (v.graph) return graphLines(entries, lines).join('\n').trimEnd();
  return entries
    .map((e) => lines(e).join('\n'))
    .join('\n')
    .trimEnd();
}

function renderEntry(e: LogEntry): string {
  const lines = [paint.yellow(`commit ${e.commit}`)];
  if (e.parents.length > 1) lines.push(`Merge: ${e.parents.map(shortId).join(' ')}`);
  lines.push(`Author: ${e.author}`, `Date:   ${e.date}`, '', ...e.message.split('\n').map((l) => `    ${l}`));
  if (e.tables.length) lines.push('', `    tables: ${e.tables.join(', ')}`);
  return lines.join('\n');
}

/** The commit as `log` shows it, then a counts line per table (the rows follow, unless --stat). */
export function renderShow(r: ShowResult, rowsFollow = false): string {
  if (rowsFollow) return renderEntry({ ...r, tables: [] });
  const lines = [renderEntry({ ...r, tables: [] }), ''];
  for (const c of r.changes) {
    lines.push(` ${c.table} (${c.status})  ${countsLine(c)}${c.schemaChanged ? paint.cyan(' schema changed') : ''}`);
  }
  return lines.join('\n');
}
