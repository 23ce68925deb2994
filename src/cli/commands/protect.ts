import type { Argv } from 'yargs';
import type { TipRecord } from '../../index.js';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'protect <branch>';
export const describe = 'take no direct commits on a branch, only merges whose checks pass';
export const builder = (y: Argv) => y.positional('branch', { type: 'string', demandOption: true, describe: 'branch to protect' });
export async function handler(argv: GlobalArgs & { branch: string }): Promise<void> {
  const repo = await openRepo(argv);
  const changed = await repo.protect(argv.branch);
  // On a remote (a bare repository): the tip is checked, and what it passes is recorded for clones.
  const recorded = await repo.recordBranchTip(argv.branch);
  if (argv.json) printJson({ branch: argv.branch, protected: true, changed, ...(recorded ? { recorded } : {}) });
  else if (!argv.quiet) {
    print(changed ? `Branch '${argv.branch}' is now protected.` : `Branch '${argv.branch}' was already protected.`);
    if (recorded?.ran) print(recordLine(recorded));
  }
}

function recordLine(r: TipRecord): string {
  const tip = `${r.branch}'s tip ${r.commit.slice(0, 7)}`;
  if (!r.passed) return `${tip} fails its checks: no pass recorded (run 'lakegit check ${r.branch}')`;
  if (!r.checks) return `${tip} passes its checks; none is row-local, so no pass is recorded`;
  return `Recorded that ${tip} passes ${r.checks} row-local check(s) of ${r.tables.join(', ')}.`;
}

export const examples: [string, string][] = [['protect main', 'main takes only merges whose checks pass']];
