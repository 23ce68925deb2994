import { UsageError } from '../../errors.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { paint, shortId } from '../render/color.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'branch [name] [start]';
export const describe = 'list, create, delete or rename branches';
export const spec: CommandSpec = {
  positionals: { name: { type: 'string' }, start: { type: 'string' } },
  options: {
    d: { alias: 'delete', type: 'boolean' },
    D: { type: 'boolean', describe: 'delete even if not merged' },
    m: { alias: 'move', type: 'boolean', describe: 'rename <name> to <start>' },
    list: { type: 'boolean' },
  },
};
export const builder = builderOf(spec);
export async function handler(
  argv: GlobalArgs & { name?: string; start?: string; d?: boolean; D?: boolean; m?: boolean; list?: boolean },
): Promise<void> {
  const repo = await openRepo(argv);
  if (argv.name && (argv.d || argv.D)) {
    const oid = await repo.deleteBranch(argv.name, !!argv.D);
    if (!argv.quiet) print(`Deleted branch ${argv.name} (was ${shortId(oid)}).`);
  } else if (argv.name && argv.m) {
    if (!argv.start) throw new UsageError('branch -m needs <old> <new>');
    await repo.renameBranch(argv.name, argv.start);
  } else if (argv.name && !argv.list) {
    await repo.createBranch(argv.name, argv.start);
  } else {
    const branches = await repo.branches();
    if (argv.json) printJson(branches);
    else print(branches.map((b) => (b.current ? `* ${paint.green(b.name)}` : `  ${b.name}`)).join('\n'));
  }
}
