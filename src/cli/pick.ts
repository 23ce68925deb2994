import { printMergeResult } from './merge-out.js';
import { openRepo, type GlobalArgs } from './shared.js';
import { UsageError } from '../errors.js';
import { builderOf, type CommandSpec } from './spec.js';

export interface PickArgs extends GlobalArgs {
  rev?: string;
  commit: boolean;
  m?: string;
  mainline?: number;
  strategy?: 'ours' | 'theirs';
  continue?: boolean;
  abort?: boolean;
  verify: boolean;
  author?: string;
  edit: boolean;
}

/**
 * Options shared by `revert` and `cherry-pick`, as data: the quick parser (src/cli/spec.ts) runs them
 * without loading yargs, whose start-up is a good share of a revert's CPU (docs/benchmarks.md).
 */
export const pickSpec: CommandSpec = {
  positionals: { rev: { type: 'string', describe: 'the commit' } },
  options: {
    commit: { type: 'boolean', default: true, describe: 'make a commit (--no-commit only stages the result)' },
    m: { alias: 'message', type: 'string', describe: 'message; for a merge commit a number is the mainline parent, as in git' },
    mainline: { type: 'number', min: 1, describe: 'for a merge commit: the parent (1-based) whose side is kept' },
    strategy: { type: 'string', choices: ['ours', 'theirs'], describe: 'settle every conflict to one side' },
    continue: { type: 'boolean', describe: 'commit once conflicts are resolved' },
    abort: { type: 'boolean', describe: 'leave it: everything as before it started' },
    verify: { type: 'boolean', default: true, describe: 'run pre-commit checks (--no-verify skips them)' },
    author: { type: 'string', describe: 'author of the commit, "Name <email>" (a cherry-pick otherwise keeps the original author)' },
    // git users type `git revert --no-edit`: lakegit never opens an editor, so --no-edit is what it always does.
    edit: { type: 'boolean', default: false, describe: 'lakegit never opens an editor: --no-edit is accepted and changes nothing' },
  },
};
export const pickBuilder = builderOf(pickSpec);

/** `-m 1` names the mainline of a merge commit (git's meaning); any other `-m` is the message. */
export async function runPick(argv: PickArgs, kind: 'revert' | 'cherry-pick'): Promise<void> {
  if (argv.edit)
    throw new UsageError(
      `lakegit never opens an editor: ${kind} --edit cannot be done`,
      {},
      `give the message with -m "…" (or leave it to lakegit)`,
    );
  const repo = await openRepo(argv);
  let r;
  if (argv.abort) r = await repo.mergeAbort({ kind });
  else if (argv.continue) r = await repo.mergeContinue({ kind, message: argv.m, author: argv.author, noVerify: !argv.verify });
  else {
    if (!argv.rev) throw new UsageError(`${kind} needs a commit`, {}, `lakegit ${kind} <rev>`);
    const numeric = argv.m !== undefined && /^\d+$/.test(argv.m) && argv.mainline === undefined;
    const isMerge = numeric && (await repo.log({ rev: argv.rev, n: 1 }))[0]?.parents.length > 1;
    const opts = {
      rev: argv.rev,
      commit: argv.commit,
      strategy: argv.strategy,
      noVerify: !argv.verify,
      author: argv.author,
      mainline: isMerge ? Number(argv.m) : argv.mainline,
      message: isMerge ? undefined : argv.m,
    };
    r = kind === 'revert' ? await repo.revert(opts) : await repo.cherryPick(opts);
  }
  printMergeResult(argv, r);
}
