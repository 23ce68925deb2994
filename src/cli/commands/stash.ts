import type { Argv } from 'yargs';
import { badInput } from '../../errors.js';
import { renderMerge } from '../render/merge.js';
import { shortId } from '../render/color.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';

const ACTIONS = ['push', 'list', 'pop', 'drop'] as const;
type Action = (typeof ACTIONS)[number];

export const command = 'stash [action]';
export const describe = 'set uncommitted row changes aside and go back to HEAD; pop brings them back';
export const builder = (y: Argv) =>
  y
    .positional('action', { choices: ACTIONS, default: 'push' as Action, describe: 'push (the default), list, pop or drop' })
    .option('m', { alias: 'message', type: 'string', describe: 'with push: a message for the stash' });

export async function handler(argv: GlobalArgs & { action: Action; m?: string }): Promise<void> {
  const repo = await openRepo(argv);
  if (argv.m !== undefined && argv.action !== 'push') throw badInput('-m goes with stash push');
  if (argv.action === 'list') {
    const entries = await repo.stashList();
    if (argv.json) return printJson(entries);
    return print(entries.map((e, i) => `stash@{${i}} ${shortId(e.commit)} ${e.message.split('\n')[0]}`).join('\n'));
  }
  if (argv.action === 'drop') {
    if (!(await repo.stashList()).length) throw badInput('no stash entries');
    await repo.stashDrop();
    if (argv.json) printJson({ dropped: true });
    return;
  }
  if (argv.action === 'pop') {
    const r = await repo.stashPop();
    if (argv.json) printJson(r);
    else if (!argv.quiet || r.conflicts.length)
      print(`${renderMerge(r)}${r.dropped ? '' : '\nThe stash is kept: resolve the conflicts, then drop it.'}`);
    process.exitCode = r.conflicts.length ? 1 : 0;
    return;
  }
  const r = await repo.stash(argv.m);
  if (argv.json) printJson(r);
  else if (!argv.quiet) print(r.stash ? `Saved working rows of ${r.tables.join(', ')} as ${shortId(r.stash)}` : 'No local changes to save');
}

export const examples: [string, string][] = [
  ['stash', 'set every uncommitted change aside; the working files are HEAD again'],
  ['stash pop', 'bring the newest stash back (three-way, so HEAD may have moved)'],
  ['stash list', 'the stashes, newest first'],
];
