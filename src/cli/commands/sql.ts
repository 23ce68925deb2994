import type { Argv } from 'yargs';
import { renderSqlCsv, renderSqlTable } from '../render/sql.js';
import { cwdOf, openRepo, print, printJson, type GlobalArgs } from '../shared.js';

export const command = 'sql <query>';
export const describe = 'run a read-only DuckDB query: `orders` is the working table, `orders@rev` any revision';
export const builder = (y: Argv) =>
  y
    .positional('query', { type: 'string', demandOption: true, describe: 'a DuckDB SELECT; table@rev names a revision' })
    .option('format', { type: 'string', choices: ['table', 'csv', 'json'], default: 'table', describe: 'output format' })
    .option('o', { alias: 'output', type: 'string', describe: 'write the result to a .parquet, .csv, .tsv or .jsonl file' });

type SqlArgs = GlobalArgs & { query: string; format: string; o?: string };

/** Lines are cut to the terminal's width; piped output keeps whole lines unless COLUMNS is set. */
const terminalWidth = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS) || undefined);

export async function handler(argv: SqlArgs): Promise<void> {
  const repo = await openRepo(argv);
  const result = await repo.sql(argv.query, { output: argv.o, cwd: cwdOf(argv) });
  if (result.file) {
    if (!argv.quiet) print(`wrote ${result.rowCount} ${result.rowCount === 1 ? 'row' : 'rows'} to ${result.file}`);
    return;
  }
  const format = argv.json ? 'json' : argv.format;
  if (format === 'json') printJson(result.rows);
  else if (format === 'csv') process.stdout.write(renderSqlCsv(result));
  else print(renderSqlTable(result, terminalWidth()));
}

export const examples: [string, string][] = [
  ['sql "select count(*) from orders"', 'query the working table'],
  ['sql "select * from orders@main~2 except select * from orders"', 'rows changed since main~2'],
  ['sql "select * from orders" -o orders.parquet', "write a query's result to a file"],
];
