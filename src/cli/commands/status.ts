import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderStatus } from '../render/status.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'status';
export const describe = 'show staged and unstaged row changes per table';
export const spec: CommandSpec = {};
export const builder = builderOf(spec);
export async function handler(argv: GlobalArgs): Promise<void> {
  const s = await (await openRepo(argv)).status();
  if (argv.json) printJson(s);
  else print(renderStatus(s));
}

export const examples: [string, string][] = [
  ['status', 'rows added / modified / removed per table, staged and not'],
  ['status --json', 'the same as JSON, for scripts'],
];
