import type { Argv } from 'yargs';
import { badInput } from '../../errors.js';
import { CONFIG_FILE } from '../../index.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderCheckMarkdown } from '../render/check-markdown.js';
import { renderCheckText } from '../render/check-text.js';
import { renderCheckJunit } from '../render/check-junit.js';
import { renderCheckGithub } from '../render/check-github.js';

type Format = 'text' | 'json' | 'junit' | 'github' | 'markdown';

export const command = 'check [rev]';
export const describe = "run lakegit.yaml's checks; --into runs a branch's pre-merge checks as a merge would";
export const builder = (y: Argv) =>
  y
    .positional('rev', { type: 'string', describe: 'the revision to check (default HEAD)' })
    .option('into', { type: 'string', describe: "run this branch's pre-merge checks against the merge of <rev> into it" })
    .option('format', {
      choices: ['text', 'json', 'junit', 'github', 'markdown'] as const,
      default: 'text' as Format,
      describe: 'output format',
    })
    .option('blame', { type: 'boolean', describe: 'name the commit and author that introduced each violating row' })
    .option('worktree', { type: 'boolean', describe: "run the working tree's lakegit.yaml, before it is committed" })
    .option('full', { type: 'boolean', describe: 'check every row, even where checking only changed rows would do' })
    .option('allow-check-changes', {
      type: 'boolean',
      describe: 'with --into a protected branch: a change to its checks passes, as merge --allow-check-changes',
    });
export async function handler(
  argv: GlobalArgs & {
    rev?: string;
    into?: string;
    format: Format;
    blame?: boolean;
    full?: boolean;
    worktree?: boolean;
    allowCheckChanges?: boolean;
  },
): Promise<void> {
  if (argv.worktree && argv.into)
    throw badInput('--worktree and --into cannot be used together', {}, "a merge always runs the target's committed checks");
  const repo = await openRepo(argv);
  const { rev, into, blame, full, worktree, allowCheckChanges } = argv;
  const report = await repo.check({ rev, into, blame, full, worktree, allowCheckChanges });
  const format: Format = argv.json ? 'json' : argv.format;
  if (format === 'json') printJson(report);
  else if (format === 'junit') print(renderCheckJunit(report));
  else if (format === 'github') print(renderCheckGithub(report));
  else if (format === 'markdown') print(renderCheckMarkdown(report));
  else if (!argv.quiet || !report.passed) print(renderCheckText(report));
  if (format === 'text' && !argv.quiet && !rev && !worktree && !into && (await repo.configUncommitted())) {
    process.stderr.write(`hint: ${CONFIG_FILE} in the working tree differs from the one checked; 'lakegit check --worktree' runs it\n`);
  }
  process.exitCode = report.passed ? 0 : 1;
}

export const examples: [string, string][] = [
  ['check', "run lakegit.yaml's checks against HEAD"],
  ['check --worktree', 'try an edited lakegit.yaml before committing it'],
  ['check fix --into main', "main's pre-merge checks against the merge of fix"],
  ['check --format github --blame', 'annotations naming who introduced each violation'],
];
