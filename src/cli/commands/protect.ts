import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'protect <branch>';
export const describe = 'take no direct commits on a branch, only merges whose checks pass';
export const builder = (y: Argv) => y.positional('branch', { type: 'string', demandOption: true, describe: 'branch to protect' });
export async function handler(argv: GlobalArgs & { branch: string }): Promise<void> {
  const changed = await (await openRepo(argv)).protect(argv.branch);
  if (argv.json) printJson({ branch: argv.branch, protected: true, changed });
  else if (!argv.quiet) print(changed ? `Branch '${argv.branch}' is now protected.` : `Branch '${argv.branch}' was already protected.`);
}

export const examples: [string, string][] = [['protect main', 'main takes only merges whose checks pass']];
