import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'rm <table>';
export const describe = 'stop tracking a table (and delete its file unless --cached)';
export const builder = (y: Argv) =>
  y
    .positional('table', { type: 'string', demandOption: true, describe: 'table to stop tracking' })
    .option('cached', { type: 'boolean', describe: 'keep the working file' })
    .option('f', { alias: 'force', type: 'boolean', describe: 'delete the file even with uncommitted changes' });
export async function handler(argv: GlobalArgs & { table: string; cached?: boolean; f?: boolean }): Promise<void> {
  await (await openRepo(argv)).rm(argv.table, !!argv.cached, !!argv.f);
  if (argv.json) printJson({ removed: argv.table, cached: !!argv.cached });
  else if (!argv.quiet) print(`rm '${argv.table}'`);
}

export const examples: [string, string][] = [
  ['rm orders', 'stop tracking orders and delete orders.csv'],
  ['rm orders --cached', 'stop tracking, keep the file'],
];
