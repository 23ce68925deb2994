import type { StatusResult, TableStatus } from '../../ops/status.js';
import type { RowCounts } from '../../ops/rowdiff.js';
import { paint, shortId } from './color.js';

const counts = (c: RowCounts): string =>
  [c.added ? paint.green(`+${c.added}`) : '', c.modified ? paint.yellow(`~${c.modified}`) : '', c.removed ? paint.red(`-${c.removed}`) : '']
    .filter(Boolean)
    .join(' ');
const any = (c: RowCounts) => c.added + c.modified + c.removed > 0;

/** Text rendered from the same object `status --json` prints. */
export function renderStatus(s: StatusResult): string {
  const lines = [s.branch ? `On branch ${s.branch}` : `HEAD detached at ${shortId(s.head)}`];
  if (!s.head) lines.push('No commits yet');
  if (s.upstream) lines.push(upstreamLine(s.upstream));
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

/** git's wording: up to date, ahead, behind, diverged, or gone. */
function upstreamLine(u: NonNullable<StatusResult['upstream']>): string {
  const c = (n: number) => `${n} commit${n === 1 ? '' : 's'}`;
  if (u.gone) return `Your branch is based on '${u.ref}', but the upstream is gone.`;
  if (u.ahead && u.behind)
    return `Your branch and '${u.ref}' have diverged,\nand have ${u.ahead} and ${u.behind} different commits each, respectively.\n  (use 'lakegit pull' to merge the remote branch into yours)`;
  if (u.ahead) return `Your branch is ahead of '${u.ref}' by ${c(u.ahead)}.\n  (use 'lakegit push' to publish your local commits)`;
  if (u.behind) return `Your branch is behind '${u.ref}' by ${c(u.behind)}.\n  (use 'lakegit pull' to update your local branch)`;
  return `Your branch is up to date with '${u.ref}'.`;
}
