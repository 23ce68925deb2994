import type { StatusResult, TableStatus, RowCounts } from '../../index.js';
import { paint, shortId } from './color.js';
import { countsLine } from './text.js';

import { CONFIG_FILE } from '../../index.js';

const counts = (c: RowCounts): string => countsLine(c);
const any = (c: RowCounts) => c.added + c.modified + c.removed > 0;

/** Text rendered from the same object `status --json` prints. */
export function renderStatus(s: StatusResult): string {
  const lines = [s.branch ? `On branch ${s.branch}` : `HEAD detached at ${shortId(s.head)}`];
  if (!s.head) lines.push('No commits yet');
  if (s.upstream) lines.push(upstreamLine(s.upstream));
  if (s.state !== 'clean') lines.push(paint.yellow(`You are in the middle of a ${s.state === 'merging' ? 'merge' : 'revert'}.`));
  const staged = s.tables.filter((t) => any(t.staged) || t.change === 'new' || t.change === 'deleted');
  const unstaged = s.tables.filter(
    (t) => t.change !== 'invalid' && (any(t.unstaged) || t.change === 'missing' || (t.schemaChanged && !any(t.staged))),
  );
  const invalid = s.tables.filter((t) => t.change === 'invalid');
  if (s.conflicted?.length) {
    lines.push(
      '',
      'Unmerged tables:',
      "  (use 'lakegit conflicts' to list them, 'lakegit resolve' or edit and 'lakegit add' to settle them)",
    );
    for (const t of s.conflicted) lines.push(paint.red(`	both modified: ${t}`));
  }
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
  if (invalid.length) {
    lines.push('', 'Working files that cannot be committed:', '  (fix the file; lakegit add and commit -a refuse it as it is)');
    for (const t of invalid) lines.push(paint.red(`\tinvalid: ${t.table} (${t.file})  ${t.problem ?? ''}`));
  }
  // lakegit.yaml is configuration, not a table: it gets its own line and its own hint.
  const data = s.untracked.filter((f) => f !== CONFIG_FILE);
  if (data.length) {
    lines.push('', 'Untracked data files:', "  (use 'lakegit add <file> --key <column>' to track)");
    for (const f of data) lines.push(paint.red(`\t${f}`));
  }
  if (data.length < s.untracked.length) {
    lines.push('', 'Untracked configuration:', `  (use 'lakegit add ${CONFIG_FILE}' to version the checks with the tables)`);
    lines.push(paint.red(`\t${CONFIG_FILE}`));
  }
  const nothing = !staged.length && !unstaged.length && !invalid.length && !s.conflicted?.length && !s.untracked.length;
  if (nothing && !s.config?.staged && !s.config?.unstaged) {
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
