import type { Argv } from 'yargs';
import { renderMerge } from '../render/merge.js';
import { renderRefUpdates } from '../render/remote.js';
import { openRepo, print, printJson, transfers, type GlobalArgs } from '../shared.js';

interface PullArgs extends GlobalArgs {
  remote?: string;
  branch?: string;
  ffOnly?: boolean;
  verify: boolean;
}

export const command = 'pull [remote] [branch]';
export const describe = 'fetch, then merge the upstream branch (checks and conflicts as in merge)';
export const builder = (y: Argv) =>
  y
    .positional('remote', { type: 'string', describe: "the remote (default: the current branch's upstream, else origin)" })
    .positional('branch', { type: 'string', describe: "the remote's branch to merge (default: the upstream branch)" })
    .option('ff-only', { type: 'boolean', describe: 'refuse unless the merge is a fast-forward' })
    .option('verify', { type: 'boolean', default: true, describe: 'run pre-merge checks (--no-verify skips them)' });

export async function handler(argv: PullArgs): Promise<void> {
  await transfers(argv);
  const r = await (await openRepo(argv)).pull({ remote: argv.remote, branch: argv.branch, ffOnly: argv.ffOnly, noVerify: !argv.verify });
  if (argv.json) printJson(r);
  else {
    if (!argv.quiet && r.fetch.updated.length) print(`From ${r.fetch.url}\n${renderRefUpdates(r.fetch.updated)}`);
    if (!argv.quiet || r.merge.conflicts.length) print(renderMerge(r.merge));
  }
  process.exitCode = r.merge.conflicts.length ? 1 : 0;
}

export const examples: [string, string][] = [
  ['pull', 'fetch the upstream and merge it into the current branch'],
  ['pull origin main --ff-only', "bring in origin's main only if no merge commit is needed"],
  ['pull --json', 'what was fetched and how the merge went, as JSON'],
];
