import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderShow } from '../render/log.js';

export const command = 'show [rev]';
export const describe = 'show a commit and its row changes';
export const builder = (y: Argv) => y.positional('rev', { type: 'string', default: 'HEAD' }).option('stat', { type: 'boolean' });
export async function handler(argv: GlobalArgs & { rev: string; stat?: boolean }): Promise<void> {
  const r = await (await openRepo(argv)).show(argv.rev);
  if (argv.json) printJson(r);
  else print(renderShow(r));
}
