import { UsageError } from '../../errors.js';
import { progressBar } from '../progress.js';
import { csv, cwdOf, openRepo, print, type GlobalArgs, printJson } from '../shared.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'add [files..]';
export const describe = 'track data files as tables, or stage their current rows';
// Options as data: `add` runs without loading yargs (~0.15 s of CPU per process; docs/benchmarks.md, "import4").
export const spec: CommandSpec = {
  positionals: {
    files: { type: 'string', array: true, default: undefined, describe: 'data files (CSV, TSV, Parquet, JSON Lines) or tracked tables' },
  },
  options: {
    key: { type: 'string', describe: 'primary key column(s), comma-separated' },
    name: { type: 'string', describe: 'table name (default: the file stem)' },
    keyless: { type: 'boolean', describe: 'no primary key: rows are compared whole' },
    type: {
      type: 'string',
      array: true,
      describe: "fix a column's type, kept for every later read of the file: --type amount=DECIMAL(12,2) (repeatable)",
    },
    A: { alias: 'all', type: 'boolean', describe: 'stage every tracked table' },
  },
};
export const builder = builderOf(spec);
export async function handler(
  argv: GlobalArgs & { files?: string[]; key?: string; name?: string; keyless?: boolean; A?: boolean; type?: string[] },
): Promise<void> {
  const files = (argv.files ?? []).filter((f) => f !== undefined).map(String);
  if (!files.length && !argv.A)
    throw new UsageError(
      'nothing specified, nothing added',
      {},
      "name data files ('lakegit add orders.csv --key id'), or stage every tracked table with 'lakegit add -A'",
    );
  const repo = await openRepo(argv);
  const paths = argv.A ? [...files, '-A'] : files;
  const r = await repo.add({
    paths,
    cwd: cwdOf(argv),
    key: csv(argv.key),
    name: argv.name,
    keyless: argv.keyless,
    types: argv.type?.map(String),
    onProgress: progressBar(argv.quiet),
  });
  if (argv.json) return printJson(r);
  if (argv.quiet) return;
  for (const t of r.staged) print(`staged ${t}`);
  for (const t of r.removed) print(`staged removal of ${t}`);
}

export const examples: [string, string][] = [
  ['add orders.csv --key id', 'track orders.csv as table orders, keyed by id'],
  ['add events.jsonl --keyless', 'track a file whose rows have no key'],
  ['add -A', 'stage every tracked table that changed'],
];
