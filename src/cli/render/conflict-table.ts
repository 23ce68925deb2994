import type { Conflict } from '../../index.js';
import { conflictKind, keyText, side } from './merge.js';
import { renderTable } from './table.js';

/** `conflicts` as text: one line per conflict, rendered from the same objects `--json` prints. */
export function renderConflicts(list: readonly Conflict[], width?: number): string {
  if (list.length === 0) return 'no conflicts';
  const rows = list.map((c) => [
    c.table,
    conflictKind(c),
    keyText(c.key),
    c.column ?? '',
    side(c, c.base),
    side(c, c.ours),
    side(c, c.theirs),
  ]);
  return renderTable(['table', 'kind', 'key', 'column', 'base', 'ours', 'theirs'], rows, { width, align: rows[0].map(() => 'left') });
}
