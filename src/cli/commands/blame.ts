import type { Argv } from 'yargs';
import { writeBlame, type BlameFormat } from '../render/blame.js';
import { progressBar } from '../progress.js';
import { csv, openRepo, type GlobalArgs } from '../shared.js';

export const command = 'blame <table>';
export const describe = 'show the commit, author and date that last changed each row (or cell)';
export const builder = (y: Argv) =>
  y
    .positional('table', { type: 'string', demandOption: true, describe: 'table[@rev]; a bare name is the working tree' })
    .option('where', { type: 'string', describe: 'only rows matching this SQL condition' })
    .option('columns', {
      type: 'string',
      describe: 'only changes to these columns count (comma-separated); with --cells, the columns shown',
    })
    .option('cells', { type: 'boolean', describe: 'blame each cell, not only each row' })
    .option('format', { choices: ['table', 'json', 'csv'] as const, default: 'table' as const, describe: 'output format' });

type BlameArgs = GlobalArgs & { table: string; where?: string; columns?: string; cells?: boolean; format: BlameFormat };

export async function handler(argv: BlameArgs): Promise<void> {
  const repo = await openRepo(argv);
  const result = await repo.blame({
    ref: argv.table,
    where: argv.where,
    columns: csv(argv.columns),
    cells: argv.cells,
    onProgress: progressBar(argv.quiet),
  });
  await writeBlame(result, argv.json ? 'json' : argv.format, process.stdout, process.stdout.columns || undefined);
}

export const examples: [string, string][] = [
  ['blame orders', 'who last changed each row of the working table'],
  ['blame orders@main --cells --columns amount', 'who last changed each amount cell at main'],
  ['blame orders --where "id = 1042" --json', "one row's blame as JSON"],
];
