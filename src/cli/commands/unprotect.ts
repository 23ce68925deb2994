import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'unprotect <branch>';
export const describe = 'allow direct commits on a protected branch again';
export const builder = (y: Argv) => y.positional('branch', { type: 'string', demandOption: true, describe: 'branch to unprotect' });
export async function handler(argv: GlobalArgs & { branch: string }): Promise<void> {
  const changed = await (await openRepo(argv)).unprotect(argv.branch);
  if (argv.json) printJson({ branch: argv.branch, protected: false, changed });
  else if (!argv.quiet) print(changed ? `Branch '${argv.branch}' is no longer protected.` : `Branch '${argv.branch}' was not protected.`);
}

export const examples: [string, string][] = [['unprotect main', 'allow direct commits on main again']];
