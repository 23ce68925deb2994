import type { Argv } from 'yargs';
import { quoteLiteral } from '../../index.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

export const command = 'files <table>';
export const describe = "print the Parquet chunk paths of a table's snapshot";
export const builder = (y: Argv) =>
  y
    .positional('table', { type: 'string', demandOption: true, describe: 'table[@rev]; without @rev, the staged version' })
    .option('relative', { type: 'boolean', describe: 'paths relative to the repository root' })
    .option('quoted', { type: 'boolean', describe: 'one SQL list of quoted paths, for read_parquet([...])' });
export async function handler(argv: GlobalArgs & { table: string; relative?: boolean; quoted?: boolean }): Promise<void> {
  const paths = await (await openRepo(argv)).files(argv.table, argv.relative);
  if (argv.json) printJson(paths);
  else if (argv.quoted) print(paths.map(quoteLiteral).join(', '));
  else print(paths.join('\n'));
}

export const examples: [string, string][] = [
  ['files orders@main', 'the Parquet files holding orders at main'],
  ['files orders --quoted', 'a list to paste into read_parquet([...])'],
];
