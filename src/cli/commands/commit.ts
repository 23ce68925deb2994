import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs } from '../shared.js';
import { shortId } from '../render/color.js';

export const command = 'commit';
export const describe = 'record the staged tables';
export const builder = (y: Argv) =>
  y
    .option('m', { alias: 'message', type: 'string', demandOption: 'a commit message is required (-m)' })
    .option('a', { alias: 'all', type: 'boolean', describe: 'stage every tracked table first' })
    .option('author', { type: 'string', describe: '"Name <email>"' })
    .option('allow-empty', { type: 'boolean' })
    .option('verify', { type: 'boolean', default: true, describe: 'run pre-commit checks (--no-verify skips)' });
export async function handler(
  argv: GlobalArgs & { m: string; a?: boolean; author?: string; allowEmpty?: boolean; verify: boolean },
): Promise<void> {
  const r = await (
    await openRepo(argv)
  ).commit({ message: argv.m, all: argv.a, author: argv.author, allowEmpty: argv.allowEmpty, noVerify: !argv.verify });
  if (!argv.quiet)
    print(
      `[${r.branch ?? 'detached HEAD'} ${shortId(r.oid)}] ${argv.m.split('\n')[0]}\n ${r.tables.length} table(s) changed${r.tables.length ? `: ${r.tables.join(', ')}` : ''}`,
    );
}
