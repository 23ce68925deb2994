import type { StatusResult, TableStatus, RowCounts } from '../../index.js';
import { paint, shortId } from './color.js';
import { countsLine } from './text.js';

const counts = (c: RowCounts): string => countsLine(c);
const any = (c: RowCounts) => c.added + c.modified + c.removed > 0;

/** Text rendered from the same object `status --json` prints. */
export function renderStatus(s: StatusResult): string {
  const lines = [s.branch ? `On branch ${s.branch}` : `HEAD detached at ${shortId(s.head)}`];
  if (!s.head) lines.push('No commits yet');
  if (s.state !== 'clean') lines.push(paint.yellow(`You are in the middle of a ${s.state === 'merging' ? 'merge' : 'revert'}.`));
  const staged = s.tables.filter((t) => any(t.staged) || t.change === 'new' || t.change === 'deleted');
  const unstaged = s.tables.filter((t) => any(t.unstaged) || t.change === 'missing' || (t.schemaChanged && !any(t.staged)));
  const line = (t: TableStatus, c: RowCounts, what?: string) =>
    `\t${what ? `${what}: ` : ''}${t.table} (${t.file})  ${counts(c)}${t.schemaChanged ? paint.cyan(' schema changed') : ''}`;
  if (staged.length || s.config?.staged) {
    lines.push('', 'Changes to be committed:');
    for (const t of staged)
      lines.push(paint.green(line(t, t.staged, t.change === 'new' ? 'new table' : t.change === 'deleted' ? 'deleted' : undefined)));
    if (s.config?.staged) lines.push(paint.green('\tmodified: lakegit.yaml'));
  }
  if (unstaged.length || s.config?.unstaged) {
    lines.push('', 'Changes not staged for commit:', "  (use 'lakegit add <file>' or 'lakegit commit -a')");
    for (const t of unstaged) lines.push(line(t, t.unstaged, t.change === 'missing' ? 'deleted file' : undefined));
    if (s.config?.unstaged) lines.push('\tmodified: lakegit.yaml');
  }
  if (s.untracked.length) {
    lines.push('', 'Untracked data files:', "  (use 'lakegit add <file> --key <column>' to track)");
    for (const f of s.untracked) lines.push(paint.red(`\t${f}`));
  }
  if (!staged.length && !unstaged.length && !s.untracked.length && !s.config?.staged && !s.config?.unstaged) {
    lines.push('nothing to commit, working tree clean');
  }
  return lines.join('\n');
}
