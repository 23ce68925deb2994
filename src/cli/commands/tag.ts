import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs } from '../shared.js';

export const command = 'tag [name] [rev]';
export const describe = 'list, create or delete tags';
export const builder = (y: Argv) =>
  y
    .positional('name', { type: 'string' })
    .positional('rev', { type: 'string' })
    .option('m', { alias: 'message', type: 'string' })
    .option('d', { alias: 'delete', type: 'boolean' })
    .option('list', { alias: 'l', type: 'boolean' });
export async function handler(argv: GlobalArgs & { name?: string; rev?: string; m?: string; d?: boolean; list?: boolean }): Promise<void> {
  const repo = await openRepo(argv);
  if (argv.name && argv.d) await repo.deleteTag(argv.name);
  else if (argv.name && !argv.list) await repo.createTag(argv.name, argv.rev, argv.m);
  else print((await repo.tags()).join('\n'));
}
