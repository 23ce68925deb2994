import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

export const command = 'fsck';
export const describe = "verify every reachable chunk's hash and every manifest";
export const builder = (y: Argv) =>
  y.option('repair', {
    type: 'boolean',
    default: false,
    describe: "restore missing or damaged chunks from the remotes' chunk stores or the working files, then check again",
  });
export async function handler(argv: GlobalArgs & { repair: boolean }): Promise<void> {
  const r = await (await openRepo(argv)).fsck({ repair: argv.repair });
  if (argv.json) printJson(r);
  else {
    for (const id of r.repair?.quarantined ?? []) print(`moved damaged chunk ${id} to .lakegit/damaged/`);
    for (const { id, from } of r.repair?.restored ?? []) print(`restored chunk ${id} from ${from}`);
    for (const p of r.problems) print(`${p.kind} ${p.what}: ${p.detail}`);
    if (r.notFetched && !argv.quiet)
      print(`${r.notFetched.length} chunk(s) not fetched yet (partial clone: read on demand, or 'lakegit fetch --all-chunks')`);
    if (!argv.quiet)
      print(
        `checked ${r.commits} commits, ${r.manifests} manifests, ${r.chunks} chunks: ${r.problems.length ? `${r.problems.length} problem(s)` : 'ok'}`,
      );
  }
  process.exitCode = r.problems.length ? 1 : 0;
}

export const examples: [string, string][] = [
  ['fsck', 'verify every reachable chunk and manifest'],
  ['fsck --repair', 'restore what it can of missing or damaged chunks, and say what is left'],
];
