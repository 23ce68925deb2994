import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderLog } from '../render/log.js';
import { renderRowHistory } from '../render/blame-history.js';
import { UsageError } from '../../errors.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'log [rev]';
export const describe = 'show commit history';
export const spec: CommandSpec = {
  positionals: { rev: { type: 'string' } },
  options: {
    table: { type: 'string', describe: 'only commits that changed this table' },
    n: { alias: 'max-count', type: 'number' },
    oneline: { type: 'boolean' },
    key: { type: 'string', array: true, describe: 'col=val: only commits that changed that row (repeat for each key column)' },
  },
};
export const builder = builderOf(spec);
export async function handler(
  argv: GlobalArgs & { rev?: string; table?: string; n?: number; oneline?: boolean; key?: string[] },
): Promise<void> {
  if (argv.key?.length) return rowLog(argv, argv.key);
  const entries = await (await openRepo(argv)).log({ rev: argv.rev, n: argv.n, table: argv.table });
  if (argv.json) printJson(entries);
  else print(renderLog(entries, !!argv.oneline));
}

/** `log --key col=val …`: the history of one row. */
async function rowLog(argv: GlobalArgs & { rev?: string; table?: string; n?: number; oneline?: boolean }, pairs: string[]): Promise<void> {
  const key = pairs.map((p): [string, string] => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--key '${p}' is not col=value`, { key: p }, 'e.g. --key id=1042');
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
  const entries = await (await openRepo(argv)).rowHistory({ rev: argv.rev, table: argv.table, key, n: argv.n });
  if (argv.json) printJson(entries);
  else print(renderRowHistory(entries, !!argv.oneline));
}
