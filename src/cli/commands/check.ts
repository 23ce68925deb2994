import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderCheckText } from '../render/check-text.js';
import { renderCheckJunit } from '../render/check-junit.js';
import { renderCheckGithub } from '../render/check-github.js';

type Format = 'text' | 'json' | 'junit' | 'github';

export const command = 'check [rev]';
export const describe = "run lakegit.yaml's checks; --into runs a branch's pre-merge checks as a merge would";
export const builder = (y: Argv) =>
  y
    .positional('rev', { type: 'string', describe: 'the revision to check (default HEAD)' })
    .option('into', { type: 'string', describe: "run this branch's pre-merge checks against the merge of <rev> into it" })
    .option('format', { choices: ['text', 'json', 'junit', 'github'] as const, default: 'text' as Format })
    .option('blame', { type: 'boolean', describe: 'name the commit and author that introduced each violating row' })
    .option('full', { type: 'boolean', describe: 'check every row, even where checking only changed rows would do' })
    .option('allow-check-changes', {
      type: 'boolean',
      describe: 'with --into a protected branch: a change to its checks passes, as merge --allow-check-changes',
    });
export async function handler(
  argv: GlobalArgs & { rev?: string; into?: string; format: Format; blame?: boolean; full?: boolean; allowCheckChanges?: boolean },
): Promise<void> {
  const report = await (
    await openRepo(argv)
  ).check({ rev: argv.rev, into: argv.into, blame: argv.blame, full: argv.full, allowCheckChanges: argv.allowCheckChanges });
  const format: Format = argv.json ? 'json' : argv.format;
  if (format === 'json') printJson(report);
  else if (format === 'junit') print(renderCheckJunit(report));
  else if (format === 'github') print(renderCheckGithub(report));
  else if (!argv.quiet || !report.passed) print(renderCheckText(report));
  process.exitCode = report.passed ? 0 : 1;
}
