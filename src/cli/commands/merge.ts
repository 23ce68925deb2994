import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { printMergeResult } from '../merge-out.js';
import { openRepo, type GlobalArgs } from '../shared.js';

interface MergeArgs extends GlobalArgs {
  source?: string;
  ff: boolean;
  ffOnly?: boolean;
  m?: string;
  dryRun?: boolean;
  strategy?: 'ours' | 'theirs';
  abort?: boolean;
  continue?: boolean;
  verify: boolean;
  author?: string;
  squash?: boolean;
  allowCheckChanges?: boolean;
}

export const command = 'merge [source]';
export const describe = 'three-way, cell-level merge of a branch or revision into HEAD';
export const builder = (y: Argv) =>
  y
    .positional('source', { type: 'string', describe: 'branch or revision to merge' })
    .option('ff', { type: 'boolean', default: true, describe: 'fast-forward when possible (--no-ff always makes a merge commit)' })
    .option('ff-only', { type: 'boolean', describe: 'refuse unless the merge is a fast-forward' })
    .option('m', { alias: 'message', type: 'string', describe: 'merge commit message' })
    .option('dry-run', { type: 'boolean', describe: 'report what would change and conflict; write nothing' })
    .option('strategy', { choices: ['ours', 'theirs'] as const, describe: 'settle every conflict to one side' })
    .option('squash', { type: 'boolean', describe: 'stage the merged rows without committing; the next commit has one parent' })
    .option('abort', { type: 'boolean', describe: 'leave a conflicted merge: everything as before it started' })
    .option('continue', { type: 'boolean', describe: 'commit a merge whose conflicts are resolved' })
    .option('verify', { type: 'boolean', default: true, describe: 'run pre-merge checks (--no-verify skips them)' })
    .option('author', { type: 'string', describe: 'author of the merge commit, "Name <email>"' })
    .option('allow-check-changes', {
      type: 'boolean',
      describe: "let the merge change a protected branch's lakegit.yaml or hook scripts (recorded in the commit)",
    });

export async function handler(argv: MergeArgs): Promise<void> {
  const repo = await openRepo(argv);
  let r;
  if (argv.abort) r = await repo.mergeAbort({ kind: 'merge' });
  else if (argv.continue)
    r = await repo.mergeContinue({
      kind: 'merge',
      message: argv.m,
      author: argv.author,
      noVerify: !argv.verify,
      allowCheckChanges: argv.allowCheckChanges,
    });
  else {
    if (!argv.source) throw new UsageError('merge needs a branch or revision', {}, 'lakegit merge <branch>, or --continue / --abort');
    if (!argv.ff && argv.ffOnly) throw new UsageError('--no-ff and --ff-only cannot be used together');
    if (argv.squash && (argv.ffOnly || !argv.ff)) throw new UsageError('--squash cannot be combined with --ff-only or --no-ff');
    r = await repo.merge({
      source: argv.source,
      noFf: !argv.ff,
      ffOnly: argv.ffOnly,
      message: argv.m,
      dryRun: argv.dryRun,
      strategy: argv.strategy,
      noVerify: !argv.verify,
      author: argv.author,
      squash: argv.squash,
      allowCheckChanges: argv.allowCheckChanges,
    });
  }
  printMergeResult(argv, r);
}

export const examples: [string, string][] = [
  ['merge fix', 'three-way, cell-level merge of fix into the current branch'],
  ['merge fix --dry-run', 'report conflicts and checks, change nothing'],
  ['merge fix --squash', "stage fix's row changes as one change; commit them yourself"],
  ['merge --abort', 'leave a conflicted merge'],
];
