import type { Argv } from 'yargs';
import { Repo } from '../../repo.js';
import { cwdOf, print, printJson, type GlobalArgs } from '../shared.js';
import { badInput } from '../../errors.js';
import path from 'node:path';

export const command = 'init [dir]';
export const describe = 'create a repository';
export const builder = (y: Argv) =>
  y
    .positional('dir', { type: 'string', default: '.', describe: 'directory to create the repository in' })
    .option('b', { alias: 'initial-branch', type: 'string', default: 'main', describe: 'name of the first branch' })
    .option('bare', { type: 'boolean', describe: 'a repository without a working tree, to serve as a remote' })
    .option('chunks', {
      type: 'string',
      describe: 'with --bare: its chunk store (s3://bucket/prefix or a directory; default <dir>/chunks)',
    });
export async function handler(argv: GlobalArgs & { dir: string; b: string; bare?: boolean; chunks?: string }): Promise<void> {
  if (argv.chunks && !argv.bare)
    throw badInput('--chunks goes with --bare', {}, 'a clone names its store with lakegit remote add --chunks');
  if (argv.bare) {
    const r = await Repo.initBare(argv.dir, { chunks: argv.chunks, branch: argv.b, cwd: cwdOf(argv) });
    if (argv.json) printJson(r);
    else if (!argv.quiet)
      print(`${r.created ? 'Initialized empty' : 'Reinitialized existing'} bare lakegit repository in ${r.dir} (chunks: ${r.chunks})`);
    return;
  }
  const repo = await Repo.init(path.resolve(cwdOf(argv), argv.dir), argv.b);
  if (argv.json) printJson({ root: repo.root, gitDir: path.join(repo.root, '.lakegit'), created: repo.created });
  else if (!argv.quiet)
    print(`${repo.created ? 'Initialized empty' : 'Reinitialized existing'} lakegit repository in ${path.join(repo.root, '.lakegit')}`);
}

export const examples: [string, string][] = [
  ['init lake', 'create a repository in ./lake, first branch main'],
  ['init -b trunk', 'create one here with a first branch named trunk'],
];
