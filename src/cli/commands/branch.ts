import { UsageError } from '../../errors.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { paint, shortId } from '../render/color.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'branch [name] [start]';
export const describe = 'list, create, delete or rename branches';
export const spec: CommandSpec = {
  positionals: {
    name: { type: 'string', describe: 'branch to create, delete or rename' },
    start: { type: 'string', describe: 'where it starts (default HEAD), or the new name with -m' },
  },
  options: {
    d: { alias: 'delete', type: 'boolean', describe: 'delete a branch that is merged into HEAD' },
    D: { type: 'boolean', describe: 'delete even if not merged' },
    m: { alias: 'move', type: 'boolean', describe: 'rename <name> to <start>' },
    list: { alias: 'l', type: 'boolean', describe: 'list branches (the default with no name)' },
    f: { alias: 'force', type: 'boolean', describe: 'create, or move an existing branch to <start>' },
  },
};
export const builder = builderOf(spec);
export async function handler(
  argv: GlobalArgs & { name?: string; start?: string; d?: boolean; D?: boolean; m?: boolean; list?: boolean; f?: boolean },
): Promise<void> {
  const repo = await openRepo(argv);
  if (argv.name && (argv.d || argv.D)) {
    const oid = await repo.deleteBranch(argv.name, !!argv.D);
    if (argv.json) printJson({ deleted: argv.name, commit: oid });
    else if (!argv.quiet) print(`Deleted branch ${argv.name} (was ${shortId(oid)}).`);
  } else if (argv.name && argv.m) {
    if (!argv.start) throw new UsageError('branch -m needs <old> <new>');
    const oid = await repo.renameBranch(argv.name, argv.start);
    if (argv.json) printJson({ from: argv.name, to: argv.start, commit: oid });
  } else if (argv.name && !argv.list) {
    const oid = await repo.createBranch(argv.name, argv.start, !!argv.f);
    if (argv.json) printJson({ branch: argv.name, commit: oid });
  } else {
    const branches = await repo.branches();
    if (argv.json) printJson(branches);
    else print(branches.map((b) => (b.current ? `* ${paint.green(b.name)}` : `  ${b.name}`)).join('\n'));
  }
}

export const examples: [string, string][] = [
  ['branch', 'list branches'],
  ['branch fix main~2', 'create branch fix at main~2 (nothing is copied)'],
  ['branch -d fix', 'delete a merged branch'],
];
