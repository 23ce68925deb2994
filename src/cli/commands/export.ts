import type { Argv } from 'yargs';
import { cwdOf, openRepo, print, type GlobalArgs } from '../shared.js';

export const command = 'export <table> <file>';
export const describe = 'write a table at a revision to CSV, TSV, Parquet or JSON Lines';
export const builder = (y: Argv) =>
  y
    .positional('table', { type: 'string', demandOption: true, describe: 'table[@rev]' })
    .positional('file', { type: 'string', demandOption: true });
export async function handler(argv: GlobalArgs & { table: string; file: string }): Promise<void> {
  const r = await (await openRepo(argv)).export(argv.table, argv.file, cwdOf(argv));
  if (!argv.quiet) print(`wrote ${r.rows} rows to ${r.file}`);
}
