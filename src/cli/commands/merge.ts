import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { renderMerge } from '../render/merge.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

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
    .option('abort', { type: 'boolean', describe: 'leave a conflicted merge: everything as before it started' })
    .option('continue', { type: 'boolean', describe: 'commit a merge whose conflicts are resolved' })
    .option('verify', { type: 'boolean', default: true, describe: 'run pre-merge checks (--no-verify skips them)' });

export async function handler(argv: MergeArgs): Promise<void> {
  const repo = await openRepo(argv);
  let r;
  if (argv.abort) r = await repo.mergeAbort();
  else if (argv.continue) r = await repo.mergeContinue({ message: argv.m, noVerify: !argv.verify });
  else {
    if (!argv.source) throw new UsageError('merge needs a branch or revision', {}, 'lakegit merge <branch>, or --continue / --abort');
    if (!argv.ff && argv.ffOnly) throw new UsageError('--no-ff and --ff-only cannot be used together');
    r = await repo.merge({
      source: argv.source,
      noFf: !argv.ff,
      ffOnly: argv.ffOnly,
      message: argv.m,
      dryRun: argv.dryRun,
      strategy: argv.strategy,
      noVerify: !argv.verify,
    });
  }
  if (argv.json) printJson(r);
  else if (!argv.quiet || r.conflicts.length) print(renderMerge(r));
  process.exitCode = r.conflicts.length ? 1 : 0;
}
