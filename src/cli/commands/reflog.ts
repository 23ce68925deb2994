import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { paint, shortId } from '../render/color.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'reflog [ref]';
export const describe = 'where HEAD or a branch has been: every ref move, newest first';
export const spec: CommandSpec = {
  positionals: { ref: { type: 'string', describe: 'HEAD (default), a branch or a remote-tracking ref' } },
  options: { n: { alias: 'max-count', type: 'number', describe: 'show at most N entries' } },
};
export const builder = builderOf(spec);
export async function handler(argv: GlobalArgs & { ref?: string; n?: number }): Promise<void> {
  const repo = await openRepo(argv);
  const all = await repo.reflog(argv.ref === 'show' ? undefined : argv.ref);
  const items = argv.n !== undefined ? all.slice(0, argv.n) : all;
  if (argv.json) printJson(items);
  else print(items.map((e) => `${paint.yellow(shortId(e.commit))} ${e.selector}: ${e.message}`).join('\n'));
}

export const examples: [string, string][] = [
  ['reflog', 'every move of HEAD, newest first'],
  ['reflog main -n 5', 'the last five moves of branch main'],
  ['reset --hard HEAD@{1}', 'undo the last move of HEAD (a bad reset or merge)'],
];
