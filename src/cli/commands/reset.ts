import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs } from '../shared.js';
import { shortId } from '../render/color.js';

export const command = 'reset [rev]';
export const describe = 'move the current branch (--soft, --mixed, --hard as in git)';
export const builder = (y: Argv) =>
  y
    .positional('rev', { type: 'string', default: 'HEAD' })
    .option('soft', { type: 'boolean' })
    .option('mixed', { type: 'boolean' })
    .option('hard', { type: 'boolean' })
    .conflicts('soft', ['mixed', 'hard'])
    .conflicts('mixed', 'hard');
export async function handler(argv: GlobalArgs & { rev: string; soft?: boolean; hard?: boolean }): Promise<void> {
  const oid = await (await openRepo(argv)).reset(argv.rev, argv.soft ? 'soft' : argv.hard ? 'hard' : 'mixed');
  if (!argv.quiet) print(`HEAD is now at ${shortId(oid)}`);
}
