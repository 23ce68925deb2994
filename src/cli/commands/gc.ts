import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'gc';
export const describe = 'remove chunks that nothing reaches';
export const builder = (y: Argv) =>
  y.option('prune', {
    type: 'string',
    describe: "remove unreachable chunks older than this ('now', a date, '2.weeks.ago'); default gc.pruneExpire (2 weeks)",
  });
export async function handler(argv: GlobalArgs & { prune?: string }): Promise<void> {
  const r = await (await openRepo(argv)).gc({ prune: argv.prune });
  if (argv.json) printJson(r);
  else if (!argv.quiet) {
    const recent = r.recent ? ` (${r.recent} unreachable but younger than the prune grace period)` : '';
    print(`removed ${r.removed} chunk(s), ${r.bytes} bytes; kept ${r.kept}${recent}`);
  }
}

export const examples: [string, string][] = [['gc', 'remove chunks nothing reaches']];
