import type { Argv } from 'yargs';
import type { DiffSession } from '../../index.js';
import { csv, openRepo, type GlobalArgs } from '../shared.js';
import { renderCsv } from '../render/diff-csv.js';
import { renderJson } from '../render/diff-json.js';
import { Out } from '../render/diff-out.js';
import { renderSql } from '../render/diff-sql.js';
import { renderMarkdown } from '../render/diff-markdown.js';
import { renderNames, renderStat, renderSummary } from '../render/diff-stat.js';
import { renderTable } from '../render/diff-table.js';
import { wholeNumber } from '../spec.js';

type Format = 'table' | 'json' | 'csv' | 'sql' | 'markdown';
interface DiffArgs extends GlobalArgs {
  args?: string[];
  '--'?: string[];
  staged?: boolean;
  stat?: boolean;
  summary?: boolean;
  where?: string;
  columns?: string;
  limit?: number;
  format: Format;
  exitCode?: boolean;
  nameOnly?: boolean;
}

export const command = 'diff [args..]';
export const describe = 'row- and cell-level differences between the working tree, the index and revisions';
export const builder = (y: Argv) =>
  y
    .positional('args', {
      type: 'string',
      array: true,
      default: undefined,
      describe: 'up to two revisions (or A..B, A...B, table@rev), then table names',
    })
    .option('staged', { alias: 'cached', type: 'boolean', describe: 'the index vs HEAD (or vs the revision given)' })
    .option('stat', { type: 'boolean', describe: 'rows added, removed and modified per table' })
    .option('summary', { type: 'boolean', describe: 'tables added, removed, renamed or modified, and schema changes' })
    .option('where', { type: 'string', describe: 'a DuckDB condition over the row, applied to both sides' })
    .option('columns', { type: 'string', describe: 'only changes to these columns count (a,b)' })
    .option('limit', wholeNumber('--limit', 'at most this many rows per table'))
    .option('format', {
      choices: ['table', 'json', 'csv', 'sql', 'markdown'] as const,
      default: 'table' as Format,
      describe: 'output format',
    })
    .option('name-only', { type: 'boolean', describe: 'only the names of the tables that differ' })
    .option('exit-code', { type: 'boolean', describe: 'exit 1 when there are differences' })
    .parserConfiguration({ 'populate--': true });

export async function handler(argv: DiffArgs): Promise<void> {
  const repo = await openRepo(argv);
  const session = await repo.diff({
    args: argv.args?.filter((a) => a !== undefined).map(String),
    tables: argv['--']?.map(String),
    staged: argv.staged,
    where: argv.where,
    columns: csv(argv.columns),
  });
  const out = new Out();
  const differs = await render(session, out, argv);
  await out.flush();
  process.exitCode = (argv.exitCode || argv.quiet) && differs ? 1 : 0;
}

async function render(session: DiffSession, out: Out, argv: DiffArgs): Promise<boolean> {
  const format: Format = argv.json ? 'json' : argv.format;
  if (argv.quiet) return renderSummary(session, new Out(devNull));
  if (format === 'json') return renderJson(session, out, argv.summary ? 'summary' : argv.stat ? 'stat' : 'rows', argv.limit);
  if (argv.nameOnly) return renderNames(session, out);
  if (argv.summary) return renderSummary(session, out);
  if (argv.stat) return renderStat(session, out);
  if (format === 'csv') return renderCsv(session, out, argv.limit);
  if (format === 'sql') return renderSql(session, out, argv.limit);
  if (format === 'markdown') return renderMarkdown(session, out, argv.limit);
  return renderTable(session, out, argv.limit);
}

/** `-q`: find out whether anything differs, print nothing (git's `diff --quiet`). */
const devNull = { write: () => true, on: () => devNull, off: () => devNull } as unknown as NodeJS.WritableStream;

export const examples: [string, string][] = [
  ['diff', 'working tree vs index, row by row'],
  ['diff main fix orders --stat', 'counts per table between two revisions'],
  ['diff HEAD~1 --where "amount > 100" --format json', 'changed rows matching a condition, as JSON'],
];
