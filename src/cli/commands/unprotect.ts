import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs } from '../shared.js';

export const command = 'unprotect <branch>';
export const describe = 'allow direct commits on a protected branch again';
export const builder = (y: Argv) => y.positional('branch', { type: 'string', demandOption: true });
export async function handler(argv: GlobalArgs & { branch: string }): Promise<void> {
  const changed = await (await openRepo(argv)).unprotect(argv.branch);
  if (!argv.quiet) print(changed ? `Branch '${argv.branch}' is no longer protected.` : `Branch '${argv.branch}' was not protected.`);
}
