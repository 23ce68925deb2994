import type { Argv } from 'yargs';
import { openRepo, print, printJson, transfers, type GlobalArgs } from '../shared.js';
import { renderRefUpdates } from '../render/remote.js';

interface FetchArgs extends GlobalArgs {
  remote?: string;
  allChunks?: boolean;
}

export const command = 'fetch [remote]';
export const describe = "download a remote's commits and refs into refs/remotes/<remote>/*";
export const builder = (y: Argv) =>
  y
    .positional('remote', { type: 'string', describe: 'the remote (default: the upstream, else origin)' })
    .option('all-chunks', { type: 'boolean', describe: 'also fetch every chunk the fetched history reaches' });

export async function handler(argv: FetchArgs): Promise<void> {
  await transfers(argv);
  const r = await (await openRepo(argv)).fetch(argv.remote, { allChunks: argv.allChunks });
  if (argv.json) return printJson(r);
  if (argv.quiet) return;
  if (r.updated.length) print(`From ${r.url}\n${renderRefUpdates(r.updated)}`);
  if (argv.allChunks) print(`${r.chunks} chunk(s) fetched (${r.bytes} bytes)`);
}

export const examples: [string, string][] = [
  ['fetch', 'update refs/remotes/origin/* (chunks are fetched later, when read)'],
  ['fetch upstream --all-chunks', 'also download every chunk, to work offline'],
];
