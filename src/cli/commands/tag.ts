import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';
import { shortId } from '../render/color.js';

export const command = 'tag [name] [rev]';
export const describe = 'list, create or delete tags';
export const builder = (y: Argv) =>
  y
    .positional('name', { type: 'string', describe: 'tag to create or delete' })
    .positional('rev', { type: 'string', describe: 'what it names (default HEAD)' })
    .option('m', { alias: 'message', type: 'string', describe: 'make an annotated tag with this message' })
    .option('d', { alias: 'delete', type: 'boolean', describe: 'delete the tag' })
    .option('list', { alias: 'l', type: 'boolean', describe: 'list tags (the default with no name)' });
export async function handler(argv: GlobalArgs & { name?: string; rev?: string; m?: string; d?: boolean; list?: boolean }): Promise<void> {
  const repo = await openRepo(argv);
  if (argv.name && argv.d) {
    const oid = await repo.deleteTag(argv.name);
    if (argv.json) printJson({ deleted: argv.name, commit: oid });
    else if (!argv.quiet) print(`Deleted tag '${argv.name}' (was ${shortId(oid)})`);
  } else if (argv.name && !argv.list) {
    const oid = await repo.createTag(argv.name, argv.rev, argv.m);
    if (argv.json) printJson({ tag: argv.name, commit: oid });
  } else if (argv.json) printJson(await repo.tags());
  else print((await repo.tags()).join('\n'));
}

export const examples: [string, string][] = [
  ['tag v1.0', 'tag HEAD'],
  ['tag v0.9 HEAD~3 -m "before the backfill"', 'an annotated tag on an older commit'],
  ['tag --list', 'list tags'],
];
