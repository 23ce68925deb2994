import type { Argv } from 'yargs';
import { openRepo, print, printJson, transfers, type GlobalArgs } from '../shared.js';
import { renderPush } from '../render/remote.js';
import { badInput } from '../../errors.js';

interface PushArgs extends GlobalArgs {
  remote?: string;
  branches?: string[];
  all?: boolean;
  tags?: boolean;
  u?: boolean;
  force?: boolean;
}

export const command = 'push [remote] [branches..]';
export const describe = 'upload the chunks the remote lacks, then move its refs';
export const builder = (y: Argv) =>
  y
    .positional('remote', { type: 'string', describe: 'the remote (default: the upstream, else origin)' })
    .positional('branches', {
      type: 'string',
      array: true,
      default: [],
      defaultDescription: 'the current branch',
      describe: 'branches to push',
    })
    .option('all', { type: 'boolean', describe: 'push every branch' })
    .option('tags', { type: 'boolean', describe: 'push every tag' })
    .option('u', { alias: 'set-upstream', type: 'boolean', describe: "make the remote's branch the upstream" })
    .option('force', { alias: 'f', type: 'boolean', describe: 'move the remote branch even if it is not a fast-forward' });

export async function handler(argv: PushArgs): Promise<void> {
  if (argv.all && argv.branches?.length) throw badInput('--all and branch names cannot be used together');
  await transfers(argv);
  const r = await (
    await openRepo(argv)
  ).push({
    remote: argv.remote,
    branches: argv.branches,
    all: argv.all,
    tags: argv.tags,
    setUpstream: argv.u,
    force: argv.force,
  });
  const failed = r.refs.filter((x) => !x.ok);
  if (argv.json) printJson(r);
  else {
    const { out, err } = renderPush(r);
    if (!argv.quiet && out) print(out);
    if (err) process.stderr.write(`${err}\n`);
  }
  process.exitCode = failed.length ? 1 : 0;
}

export const examples: [string, string][] = [
  ['push -u origin main', 'upload main and make origin/main its upstream'],
  ['push', 'push the current branch to its upstream'],
  ['push origin --all --tags', 'every branch and every tag'],
];
