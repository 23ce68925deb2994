import type { Repo, ShowResult } from '../../index.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { renderLog } from '../render/log.js';
import { renderRowHistory } from '../render/blame-history.js';
import { UsageError } from '../../errors.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'log [rev]';
export const describe = 'show commit history';
export const spec: CommandSpec = {
  positionals: { rev: { type: 'string', describe: 'start from this revision (default HEAD)' } },
  options: {
    table: { type: 'string', describe: 'only commits that changed this table' },
    n: { alias: 'max-count', type: 'number', describe: 'at most this many commits' },
    oneline: { type: 'boolean', describe: 'one line per commit: short id and subject' },
    key: { type: 'string', array: true, describe: 'col=val: only commits that changed that row (repeat for each key column)' },
    all: { type: 'boolean', describe: 'every branch, tag and remote-tracking branch, not only <rev>' },
    author: { type: 'string', describe: 'only commits whose author matches this pattern' },
    grep: { type: 'string', describe: 'only commits whose message matches this pattern' },
    since: { type: 'string', describe: 'only commits at or after this date (2026-03-01, or ISO 8601)' },
    until: { type: 'string', describe: 'only commits at or before this date' },
    graph: { type: 'boolean', describe: 'draw the branches and merges' },
    stat: { type: 'boolean', describe: 'rows added, modified and removed per table of each commit' },
  },
};
export const builder = builderOf(spec);
type LogArgs = GlobalArgs & {
  rev?: string;
  table?: string;
  n?: number;
  oneline?: boolean;
  key?: string[];
  all?: boolean;
  author?: string;
  grep?: string;
  since?: string;
  until?: string;
  graph?: boolean;
  stat?: boolean;
};

export async function handler(argv: LogArgs): Promise<void> {
  if (argv.key?.length) return rowLog(argv, argv.key);
  const repo = await openRepo(argv);
  const { rev, n, table, all, author, grep, since, until } = argv;
  const entries = await repo.log({ rev, n, table, all, author, grep, since, until });
  const stats = argv.stat ? await statsOf(repo, entries) : undefined;
  if (argv.json) printJson(stats ? entries.map((e) => ({ ...e, changes: stats.get(e.commit) })) : entries);
  else print(renderLog(entries, { oneline: argv.oneline, graph: argv.graph, stats }));
}

/** Each commit's per-table row counts (`--stat`), as `show` computes them. */
async function statsOf(repo: Repo, entries: { commit: string }[]) {
  const out = new Map<string, ShowResult['changes']>();
  for (const e of entries) out.set(e.commit, (await repo.show(e.commit)).changes);
  return out;
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

export const examples: [string, string][] = [
  ['log --oneline -n 5', 'the last five commits, one line each'],
  ['log --table orders', 'only commits that changed orders'],
  ['log --key id=1042', 'only commits that changed the row with id 1042'],
];
