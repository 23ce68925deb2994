import { UsageError } from '../../errors.js';
import { progressBar } from '../progress.js';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';
import { shortId } from '../render/color.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'checkout [target] [start]';
export const aliases = ['switch'];
export const describe = 'update the working files to a branch or revision';
/** As data, so the quick parser (src/cli/spec.ts) runs a checkout without loading yargs. */
export const spec: CommandSpec = {
  positionals: {
    target: { type: 'string', describe: 'branch or revision' },
    start: { type: 'string', describe: 'with -b: where the new branch starts' },
  },
  options: {
    b: { type: 'string', describe: 'create a branch and switch to it' },
    c: { type: 'string', hidden: true },
    f: { alias: 'force', type: 'boolean', describe: 'discard uncommitted changes' },
  },
};
export const builder = builderOf(spec);
export async function handler(argv: GlobalArgs & { target?: string; start?: string; b?: string; c?: string; f?: boolean }): Promise<void> {
  const create = argv.b ?? argv.c;
  const target = create ? (argv.target ?? 'HEAD') : argv.target;
  if (!target) throw new UsageError('checkout needs a branch or revision');
  const r = await (await openRepo(argv)).checkout({ target, create, force: argv.f, onProgress: progressBar(argv.quiet) });
  if (argv.json) return printJson({ ...r, created: !!r.created });
  if (argv.quiet) return;
  print(r.branch ? `Switched to ${r.created ? 'a new ' : ''}branch '${r.branch}'` : `HEAD is now at ${shortId(r.oid)}`);
  if (r.written.length) print(`updated ${r.written.join(', ')}`);
}

export const examples: [string, string][] = [
  ['checkout fix', 'switch to branch fix, rewriting only the tables that differ'],
  ['checkout -b fix', 'create branch fix here and switch to it'],
  ['checkout v1.0', 'the working files as at tag v1.0 (detached HEAD)'],
];
