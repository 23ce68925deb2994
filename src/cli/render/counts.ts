import { paint } from './color.js';

export interface Counts {
  added: number;
  modified: number;
  removed: number;
}

/** The one counts line, `+a ~m -r` in that order (zero parts left out, `0` when nothing changed), coloured as diff is. */
export function countsText(c: Counts): string {
  const parts = [
    c.added ? paint.green(`+${c.added}`) : '',
    c.modified ? paint.yellow(`~${c.modified}`) : '',
    c.removed ? paint.red(`-${c.removed}`) : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : '0';
}
