import type { Argv } from 'yargs';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

export const command = 'fsck';
export const describe = "verify every reachable chunk's hash and every manifest";
export const builder = (y: Argv) => y;
export async function handler(argv: GlobalArgs): Promise<void> {
  const r = await (await openRepo(argv)).fsck();
  if (argv.json) printJson(r);
  else {
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

export const examples: [string, string][] = [['fsck', 'verify every reachable chunk and manifest']];
