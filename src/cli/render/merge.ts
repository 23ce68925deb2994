import type { Json } from '@duckdb/node-api';
import type { MergeResult, Conflict } from '../../index.js';
import { paint, shortId } from './color.js';
import { gateLines } from './gates.js';
import { cellText, countsLine } from './text.js';

const SHOWN = 20;

export const keyText = (k: Conflict['key']): string =>
  k
    ? Object.entries(k)
        .map(([c, v]) => `${c}=${cellText(v)}`)
        .join(', ')
    : '';

/** A conflict's kind as a reader names it. */
export function conflictKind(c: Conflict): string {
  if (c.key === null) return c.column === null ? (c.table === 'lakegit.yaml' ? 'file' : 'table') : 'schema';
  return c.column === null ? 'row' : 'cell';
}

export const side = (c: Conflict, v: Json): string => {
  if (v === null && (c.column === null || c.key === null)) return c.key === null ? '(absent)' : '(deleted)';
  return cellText(v);
};

function conflictLines(list: readonly Conflict[]): string[] {
  const lines = list
    .slice(0, SHOWN)
    .map((c) =>
      paint.red(
        `CONFLICT (${conflictKind(c)}): ${c.table}${c.key ? ` ${keyText(c.key)}` : ''}${c.column ? ` ${c.column}` : ''}: ` +
          `base ${side(c, c.base)} | ours ${side(c, c.ours)} | theirs ${side(c, c.theirs)}`,
      ),
    );
  if (list.length > SHOWN) lines.push(`... and ${list.length - SHOWN} more ('lakegit conflicts' lists them all)`);
  return lines;
}

function tableLines(r: MergeResult): string[] {
  return r.tables.map((t) => {
    const c = t.counts;
    const counts = c ? countsLine(c) : '';
    const what = t.status === 'renamed' ? `renamed from ${t.from}` : t.status;
    return ` ${t.table}  ${what}${counts ? `  ${counts}` : ''}${t.conflicts ? paint.red(`  ${t.conflicts} conflict(s)`) : ''}`;
  });
}

const verb = (r: MergeResult) => (r.kind === 'merge' ? 'merge' : r.kind);

/** `merge`, `revert` and `cherry-pick` as text, from the result object `--json` prints. */
export function renderMerge(r: MergeResult): string {
  const lines: string[] = [];
  switch (r.status) {
    case 'up-to-date':
      return 'Already up to date.';
    case 'aborted':
      return `${verb(r)} aborted; working files, index and refs are as before it started.`;
    case 'committed':
      return [`[${shortId(r.commit)}] ${verb(r)} concluded.`, ...gateLines(r.gates)].join('\n');
    case 'fast-forward':
      lines.push(`Updating ${shortId(r.head)}..${shortId(r.theirs)}`, 'Fast-forward');
      break;
    case 'dry-run':
      lines.push(`Dry run of ${verb(r)} '${r.source}': nothing was written.`);
      break;
    case 'merged':
      lines.push(`[${shortId(r.commit)}] ${r.kind === 'merge' ? `merged '${r.source}'` : `${verb(r)} of ${shortId(r.theirs)}`}`);
      break;
    case 'applied':
      lines.push(`${verb(r)} of ${shortId(r.theirs)} applied to the index and working files; not committed.`);
      break;
    case 'refused':
      lines.push(`${verb(r)} of '${r.source ?? shortId(r.theirs)}' refused: nothing was written.`);
      break;
    case 'conflicts':
      break;
  }
  lines.push(...tableLines(r));
  if (r.settled) lines.push(`${r.settled} conflict(s) settled by --strategy`);
  lines.push(...gateLines(r.gates));
  if (r.conflicts.length) {
    lines.push(...conflictLines(r.conflicts));
    if (r.status === 'conflicts') {
      lines.push(
        `Automatic ${verb(r)} failed: ${r.conflicts.length} conflict(s).`,
        "hint: resolve with 'lakegit resolve <table> --ours|--theirs [--where SQL]' (or edit the file and 'lakegit add' it),",
        `hint: then 'lakegit ${verb(r)} --continue'; 'lakegit ${verb(r)} --abort' puts everything back.`,
      );
    } else {
      lines.push(`${r.conflicts.length} conflict(s) would need resolving.`);
    }
  }
  return lines.join('\n');
}
