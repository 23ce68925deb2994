import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'mv <table> <new>';
export const describe = 'rename a table';
export const builder = (y: Argv) =>
  y
    .positional('table', { type: 'string', demandOption: true, describe: 'table to rename' })
    .positional('new', { type: 'string', demandOption: true, describe: 'its new name' });
export async function handler(argv: GlobalArgs & { table: string; new: string }): Promise<void> {
  await (await openRepo(argv)).mv(argv.table, argv.new);
  if (argv.json) printJson({ from: argv.table, to: argv.new });
  else if (!argv.quiet) print(`renamed '${argv.table}' to '${argv.new}'`);
}

export const examples: [string, string][] = [['mv orders sales', 'rename table orders to sales']];
