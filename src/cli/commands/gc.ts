import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'gc';
export const describe = 'remove chunks that nothing reaches';
export const builder = (y: Argv) => y;
export async function handler(argv: GlobalArgs): Promise<void> {
  const r = await (await openRepo(argv)).gc();
  if (argv.json) printJson(r);
  else if (!argv.quiet) print(`removed ${r.removed} chunk(s), ${r.bytes} bytes; kept ${r.kept}`);
}

export const examples: [string, string][] = [['gc', 'remove chunks nothing reaches']];
