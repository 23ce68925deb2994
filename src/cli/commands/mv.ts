import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs } from '../shared.js';

export const command = 'mv <table> <new>';
export const describe = 'rename a table';
export const builder = (y: Argv) =>
  y.positional('table', { type: 'string', demandOption: true }).positional('new', { type: 'string', demandOption: true });
export async function handler(argv: GlobalArgs & { table: string; new: string }): Promise<void> {
  await (await openRepo(argv)).mv(argv.table, argv.new);
  if (!argv.quiet) print(`renamed '${argv.table}' to '${argv.new}'`);
}
