import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { shortId } from '../render/color.js';
import { renderRefusal } from '../render/gates.js';

export const command = 'commit';
export const describe = 'record the staged tables';
export const builder = (y: Argv) =>
  y
    .option('m', { alias: 'message', type: 'string', demandOption: 'a commit message is required (-m)' })
    .option('a', { alias: 'all', type: 'boolean', describe: 'stage every tracked table first' })
    .option('author', { type: 'string', describe: '"Name <email>"' })
    .option('allow-empty', { type: 'boolean' })
    .option('verify', { type: 'boolean', default: true, describe: 'run pre-commit checks (--no-verify skips)' })
    .option('allow-check-changes', {
      type: 'boolean',
      describe: "concluding a merge into a protected branch: let it change the branch's checks (recorded in the commit)",
    });
export async function handler(
  argv: GlobalArgs & { m: string; a?: boolean; author?: string; allowEmpty?: boolean; verify: boolean; allowCheckChanges?: boolean },
): Promise<void> {
  const r = await (
    await openRepo(argv)
  ).commit({
    message: argv.m,
    all: argv.a,
    author: argv.author,
    allowEmpty: argv.allowEmpty,
    noVerify: !argv.verify,
    allowCheckChanges: argv.allowCheckChanges,
  });
  // A failed check is a result, not an error: --json holds it; text gives the account on stderr. Exit 1.
  process.exitCode = r.status === 'refused' ? 1 : 0;
  if (argv.json) printJson(r);
  else if (r.status === 'refused') process.stderr.write(`${renderRefusal(r.gates)}\n`);
  else if (!argv.quiet)
    print(
      `[${r.branch ?? 'detached HEAD'} ${shortId(r.oid)}] ${argv.m.split('\n')[0]}\n ${r.tables.length} table(s) changed${r.tables.length ? `: ${r.tables.join(', ')}` : ''}`,
    );
}
