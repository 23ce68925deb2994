import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

export const command = 'restore <tables..>';
export const describe = "discard a table's uncommitted changes (its working file, or with --staged its staged rows)";
export const builder = (y: Argv) =>
  y
    .positional('tables', { type: 'string', array: true, default: undefined, describe: 'tables to restore' })
    .option('source', { alias: 's', type: 'string', describe: 'take the tables from this revision' })
    .option('staged', { alias: 'S', type: 'boolean', describe: 'restore the index (unstage)' })
    .option('worktree', { alias: 'W', type: 'boolean', describe: 'restore the working files (the default without --staged)' });

export async function handler(
  argv: GlobalArgs & { tables: string[]; source?: string; staged?: boolean; worktree?: boolean },
): Promise<void> {
  const r = await (
    await openRepo(argv)
  ).restore({ tables: argv.tables.map(String), source: argv.source, staged: argv.staged, worktree: argv.worktree });
  if (argv.json) return printJson(r);
  if (argv.quiet) return;
  for (const t of r.unstaged) print(`unstaged ${t}`);
  for (const t of r.written) print(`restored ${t}`);
}

export const examples: [string, string][] = [
  ['restore orders', 'discard the uncommitted edits in orders.csv'],
  ['restore --staged orders', 'unstage orders, keeping the working file'],
  ['restore orders --source main~2', 'the working file as it was at main~2'],
];
