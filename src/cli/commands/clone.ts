import type { Argv } from 'yargs';
import { Repo } from '../../repo.js';
import { cwdOf, print, printJson, transfers, type GlobalArgs } from '../shared.js';

interface CloneArgs extends GlobalArgs {
  url: string;
  dir?: string;
  b?: string;
  checkout: boolean;
}

export const command = 'clone <url> [dir]';
export const describe = "copy a remote: all commits and refs, and the checked-out revision's chunks";
export const builder = (y: Argv) =>
  y
    .positional('url', { type: 'string', describe: 'a git URL (https://…) or path' })
    .positional('dir', { type: 'string', describe: 'the new directory (default: named after the URL)' })
    .option('b', { alias: 'branch', type: 'string', describe: 'the branch to check out' })
    .option('checkout', { type: 'boolean', default: true, describe: 'write the working files (--no-checkout: none, and fetch no chunks)' });

export async function handler(argv: CloneArgs): Promise<void> {
  await transfers(argv);
  const r = await Repo.clone(argv.url, { dir: argv.dir, branch: argv.b, noCheckout: !argv.checkout, cwd: cwdOf(argv) });
  if (argv.json) return printJson(r);
  if (argv.quiet) return;
  print(`Cloned ${r.url} into ${r.root}`);
  if (!r.head) print('warning: the remote has no commits yet');
  else if (!argv.checkout) print(`branch ${r.branch} at ${r.head.slice(0, 7)}; no working files written, chunks are fetched when read`);
  else print(`branch ${r.branch} at ${r.head.slice(0, 7)}: ${r.written.length} file(s), ${r.chunks} chunk(s) fetched (${r.bytes} bytes)`);
}

export const examples: [string, string][] = [
  ['clone https://git.example.com/data.git', 'copy a remote into ./data and check out its default branch'],
  ['clone ../shared.git work -b dev', 'clone a local repository into ./work, on branch dev'],
  ['clone s3-backed.git --no-checkout', 'only the history: no working files, no chunks downloaded'],
];
