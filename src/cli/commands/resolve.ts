import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

export const command = 'resolve <table>';
export const describe = "settle a table's conflicts to ours or theirs, all or those --where selects";
export const builder = (y: Argv) =>
  y
    .positional('table', { type: 'string', demandOption: true, describe: 'table with conflicts' })
    .option('ours', { type: 'boolean', describe: 'keep our values' })
    .option('theirs', { type: 'boolean', describe: 'take their values' })
    .option('where', { type: 'string', describe: 'only conflicts in rows matching this DuckDB SQL condition' });
export async function handler(argv: GlobalArgs & { table: string; ours?: boolean; theirs?: boolean; where?: string }): Promise<void> {
  if (!!argv.ours === !!argv.theirs) throw new UsageError('say which side wins: --ours or --theirs');
  const r = await (await openRepo(argv)).resolve({ table: argv.table, side: argv.ours ? 'ours' : 'theirs', where: argv.where });
  if (argv.json) printJson(r);
  else if (!argv.quiet) {
    print(`resolved ${r.resolved} conflict(s) in '${r.table}'; ${r.remaining ? `${r.remaining} left there` : 'none left there'}`);
  }
}

export const examples: [string, string][] = [
  ['resolve orders --theirs', 'take their values for every conflict in orders'],
  ['resolve orders --ours --where "region = \'EU\'"', 'keep ours for the rows matching a condition'],
];
