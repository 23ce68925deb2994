import type { Argv } from 'yargs';
import { Repo } from '../../repo.js';
import { cwdOf, print, type GlobalArgs, printJson } from '../shared.js';
import path from 'node:path';

export const command = 'init [dir]';
export const describe = 'create a repository';
export const builder = (y: Argv) =>
  y
    .positional('dir', { type: 'string', default: '.', describe: 'directory to create the repository in' })
    .option('b', { alias: 'initial-branch', type: 'string', default: 'main', describe: 'name of the first branch' });
export async function handler(argv: GlobalArgs & { dir: string; b: string }): Promise<void> {
  const repo = await Repo.init(path.resolve(cwdOf(argv), argv.dir), argv.b);
  if (argv.json) printJson({ root: repo.root, gitDir: path.join(repo.root, '.lakegit'), created: repo.created });
  else if (!argv.quiet)
    print(`${repo.created ? 'Initialized empty' : 'Reinitialized existing'} lakegit repository in ${path.join(repo.root, '.lakegit')}`);
}

export const examples: [string, string][] = [
  ['init lake', 'create a repository in ./lake, first branch main'],
  ['init -b trunk', 'create one here with a first branch named trunk'],
];
