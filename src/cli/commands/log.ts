import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderLog } from '../render/log.js';

export const command = 'log [rev]';
export const describe = 'show commit history';
export const builder = (y: Argv) => y
  .positional('rev', { type: 'string' })
  .option('table', { type: 'string', describe: 'only commits that changed this table' })
  .option('n', { alias: 'max-count', type: 'number' })
  .option('oneline', { type: 'boolean' });
export async function handler(argv: GlobalArgs & { rev?: string; table?: string; n?: number; oneline?: boolean }): Promise<void> {
  const entries = await (await openRepo(argv)).log({ rev: argv.rev, n: argv.n, table: argv.table });
  if (argv.json) printJson(entries);
  else print(renderLog(entries, !!argv.oneline));
}
