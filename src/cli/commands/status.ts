import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderStatus } from '../render/status.js';

export const command = 'status';
export const describe = 'show staged and unstaged row changes per table';
export const builder = (y: Argv) => y;
export async function handler(argv: GlobalArgs): Promise<void> {
  const s = await (await openRepo(argv)).status();
  if (argv.json) printJson(s);
  else print(renderStatus(s));
}
