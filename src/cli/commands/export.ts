import type { Argv } from 'yargs';
import { cwdOf, openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'export <table> <file>';
export const describe = 'write a table at a revision to CSV, TSV, Parquet or JSON Lines';
export const builder = (y: Argv) =>
  y
    .positional('table', { type: 'string', demandOption: true, describe: 'table[@rev]' })
    .positional('file', { type: 'string', demandOption: true, describe: 'output file; its extension picks the format' });
export async function handler(argv: GlobalArgs & { table: string; file: string }): Promise<void> {
  const r = await (await openRepo(argv)).export(argv.table, argv.file, cwdOf(argv));
  if (argv.json) printJson(r);
  else if (!argv.quiet) print(`wrote ${r.rows} rows to ${r.file}`);
}

export const examples: [string, string][] = [
  ['export orders@v1.0 orders-v1.parquet', 'write orders as tagged v1.0 to Parquet'],
  ['export orders out.jsonl', 'write the working table as JSON Lines'],
];
