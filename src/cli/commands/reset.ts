import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';
import { shortId } from '../render/color.js';

export const command = 'reset [rev]';
export const describe = 'move the current branch (--soft, --mixed, --hard as in git)';
export const builder = (y: Argv) =>
  y
    .positional('rev', { type: 'string', default: 'HEAD', describe: 'the commit to move the branch to' })
    .option('soft', { type: 'boolean', describe: 'move the branch only; index and working files keep their rows' })
    .option('mixed', { type: 'boolean', describe: 'move the branch and reset the index (the default)' })
    .option('hard', { type: 'boolean', describe: 'move the branch and rewrite index and working files' })
    .conflicts('soft', ['mixed', 'hard'])
    .conflicts('mixed', 'hard');
export async function handler(argv: GlobalArgs & { rev: string; soft?: boolean; hard?: boolean }): Promise<void> {
  const oid = await (await openRepo(argv)).reset(argv.rev, argv.soft ? 'soft' : argv.hard ? 'hard' : 'mixed');
  if (argv.json) printJson({ head: oid, mode: argv.soft ? 'soft' : argv.hard ? 'hard' : 'mixed' });
  else if (!argv.quiet) print(`HEAD is now at ${shortId(oid)}`);
}

export const examples: [string, string][] = [
  ['reset --hard HEAD~1', 'drop the last commit and its rows from the working files'],
  ['reset --soft HEAD~1', 'undo the last commit, keeping its changes staged'],
];
