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
    .positional('remote', { type: 'string' })
    .positional('branch', { type: 'string' })
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
