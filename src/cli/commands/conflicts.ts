import type { Argv } from 'yargs';
import { renderConflicts } from '../render/conflict-table.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

export const command = 'conflicts [table]';
export const describe = 'list the conflicting cells of a merge in progress: key, column, base, ours, theirs';
export const builder = (y: Argv) => y.positional('table', { type: 'string', describe: 'only this table' });
export async function handler(argv: GlobalArgs & { table?: string }): Promise<void> {
  const list = await (await openRepo(argv)).conflicts(argv.table);
  if (argv.json) printJson(list);
  else print(renderConflicts(list, process.stdout.isTTY ? process.stdout.columns : undefined));
}

export const examples: [string, string][] = [
  ['conflicts', 'every conflicting cell of the merge in progress'],
  ['conflicts orders --json', "one table's conflicts as JSON"],
];
