import path from 'node:path';
import type { DuckDBConnection, Json } from '@duckdb/node-api';
import type { Engine, JsonRow } from '../../engine/db.js';
import { quoteIdent, quoteLiteral } from '../../engine/quote.js';
import { BadPath, InvalidQuery, LakegitError, UnknownTable, corrupt } from '../../errors.js';
import { writeFile } from '../../table/files.js';
import { describeError, LOSSY_MARK } from '../../table/reader-sql.js';
import { requireFormat, type Column } from '../../table/schema.js';
import { LAKEGIT_DIR, type RepoContext } from '../context.js';
import { tokenize } from './tokenize.js';
import { parseableSql, planQuery, type ViewDef } from './views.js';

export interface SqlOptions {
  query: string;
  /** Write the result to this file (format by extension) instead of returning rows. */
  output?: string;
  /** Where a relative `output` is resolved. */
  cwd?: string;
}

export interface SqlResult {
  /** Result columns; a repeated name gets a `_1`, `_2`… suffix so row objects keep every value. */
  columns: Column[];
  /** Rows as contract JSON objects; empty when `output` was given. */
  rows: JsonRow[];
  rowCount: number;
  file?: string;
}

/**
 * `sql`: one read-only query in a private DuckDB session where working-tree tables and
 * `table@rev` snapshots are views read in place. The whole result is held in memory (use `output`
 * for big ones); that lets a working file whose values outgrew their recorded types be re-read
 * with fresh types before any row is returned.
 */
export async function sqlQuery(ctx: RepoContext, opts: SqlOptions): Promise<SqlResult> {
  // Starting DuckDB takes a native thread a while: read the revisions' trees from git meanwhile.
  const starting = ctx.engine();
  const planning = planQuery(ctx, () => starting, opts.query);
  planning.catch(() => undefined); // its error is reported below, after the read-only check
  const engine = await starting;
  try {
    await requireOneSelect(engine, parseableSql(opts.query));
  } catch (e) {
    // The plan may be querying DuckDB for a working file: let it finish before the engine closes.
    await planning.catch(() => undefined);
    throw e;
  }
  const plan = await planning;
  const outFile = opts.output === undefined ? undefined : outputPath(ctx, opts.output, opts.cwd ?? ctx.root);
  const conn = await engine.connect();
  try {
    // Reading a remote path must not install extensions: `sql` changes nothing on disk.
    await conn.run('SET autoinstall_known_extensions = false');
    // Relative paths in the query (read_csv('x.csv')) mean the caller's directory, also under -C.
    await conn.run(`SET file_search_path = ${quoteLiteral(opts.cwd ?? ctx.root)}`);
    const views = plan.views.map((v) => ({ ...v }));
    for (const v of views) await createView(conn, v, ctx);
    for (;;) {
      try {
        return await execute(engine, conn, plan.sql, outFile);
      } catch (e) {
        const stale = staleTypedViews(e, views);
        if (stale.length === 0) throw explain(e, views, ctx, plan.tables);
        for (const v of stale) {
          v.sql = v.file!.inferredSql!;
          delete v.file!.inferredSql;
          await createView(conn, v, ctx);
        }
      }
    }
  } finally {
    conn.closeSync();
  }
}

/**
 * Working views read with recorded types that an error shows no longer fit: the one whose file the
 * error names, or, for a strict-cast error (which names a column, not a file), every typed one.
 */
function staleTypedViews(e: unknown, views: ViewDef[]): ViewDef[] {
  const typed = views.filter((v) => v.file?.inferredSql);
  const named = typed.filter((v) => mentions(e, v.file!.abs));
  return named.length > 0 || !messageOf(e).includes(LOSSY_MARK) ? named : typed;
}

/** DuckDB's own parser decides: `json_serialize_sql` accepts SELECT statements only. */
async function requireOneSelect(engine: Engine, sql: string): Promise<void> {
  const text = await engine.value<string>('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  const parsed = JSON.parse(text) as { error?: boolean; error_message?: string; statements?: unknown[] };
  if (parsed.error) {
    const msg = parsed.error_message ?? 'cannot parse the query';
    if (/only SELECT statements/i.test(msg)) {
      throw new InvalidQuery(
        'sql is read-only: only SELECT queries are allowed',
        { query: sql },
        'to change a table, edit its file (or export, edit and copy back) and commit',
      );
    }
    throw new InvalidQuery(`cannot parse the query: ${firstLines(msg)}`, { query: sql });
  }
  const n = parsed.statements?.length ?? 0;
  if (n === 0) throw new InvalidQuery('the query is empty');
  if (n > 1) throw new InvalidQuery(`the query holds ${n} statements; run one at a time`);
}

function outputPath(ctx: RepoContext, output: string, cwd: string): string {
  const abs = path.resolve(cwd, output);
  requireFormat(abs);
  const rel = path.relative(ctx.root, abs);
  if (rel.split(path.sep)[0] === LAKEGIT_DIR) throw new BadPath(`'${output}' is inside ${LAKEGIT_DIR}/`, { file: output });
  return abs;
}

async function createView(conn: DuckDBConnection, v: ViewDef, ctx: RepoContext): Promise<void> {
  try {
    await conn.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(v.name)} AS ${v.sql}`);
  } catch (e) {
    throw explain(e, [v], ctx);
  }
}

async function execute(engine: Engine, conn: DuckDBConnection, sql: string, outFile?: string): Promise<SqlResult> {
  if (outFile) {
    // Newlines keep a trailing line comment from swallowing the closing parenthesis.
    const body = `(\n${withoutTrailingSemicolon(sql)}\n)`;
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${body}`)).getRowObjectsJson();
    const columns = uniqueNames(described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })));
    let rowCount = 0;
    const run = async (copy: string) => {
      rowCount = Number((await conn.runAndReadAll(copy)).getRows()[0]?.[0] ?? 0);
    };
    await writeFile({ run }, `SELECT * FROM ${body}`, outFile, requireFormat(outFile), { columns });
    return { columns, rows: [], rowCount, file: outFile };
  }
  const reader = await conn.runAndReadAll(sql);
  const types = reader.columnTypes();
  const columns = uniqueNames(reader.columnNames().map((name, i) => ({ name, type: types[i].toString() })));
  const rows = (reader.convertRows(engine.toJson) as Json[][]).map(
    (r) => Object.fromEntries(columns.map((c, i) => [c.name, r[i]])) as JsonRow,
  );
  return { columns, rows, rowCount: rows.length };
}

/** The statement without its closing `;` (found by the lexer, so never one inside a string). */
function withoutTrailingSemicolon(sql: string): string {
  const tokens = tokenize(sql).filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  const last = tokens[tokens.length - 1];
  return last?.kind === 'punct' && sql[last.start] === ';' ? sql.slice(0, last.start) : sql;
}

function uniqueNames(columns: Column[]): Column[] {
  const used = new Set<string>();
  return columns.map((c) => {
    let name = c.name;
    for (let i = 1; used.has(name); i++) name = `${c.name}_${i}`;
    used.add(name);
    return { ...c, name };
  });
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const mentions = (e: unknown, abs: string): boolean => messageOf(e).includes(abs);
const firstLines = (text: string): string =>
  text
    .split('\n')
    .filter((l) => l.trim() && !/^LINE \d+:|^\s*\^/.test(l))
    .slice(0, 3)
    .join(' ');

/** A DuckDB error as the contract's: a broken working file or a bad query is bad input (2). */
function explain(e: unknown, views: readonly ViewDef[], ctx: RepoContext, tables?: readonly string[]): Error {
  if (e instanceof LakegitError) return e;
  const bad = views.find((v) => v.file && mentions(e, v.file.abs));
  if (bad?.file) {
    const err = describeError(bad.file.rel, e) as LakegitError;
    // The same class (MalformedFile, MissingFile), naming the table the query read.
    const Kind = err.constructor as new (message: string, data: Record<string, unknown>, hint?: string) => LakegitError;
    return new Kind(`table '${bad.file.table}': ${err.message}`, { table: bad.file.table, file: bad.file.rel }, err.hint);
  }
  if (mentions(e, ctx.chunks.dir)) return corrupt(`cannot read a chunk of the repository: ${firstLines(messageOf(e))}`);
  const missing = /Catalog Error: Table with name (.+?) does not exist/.exec(messageOf(e));
  if (missing && tables) {
    const known = tables.length ? `the working tree's tables are: ${tables.join(', ')}` : 'no table is tracked yet';
    return new UnknownTable(missing[1], undefined, {
      message: `no table '${missing[1]}' in the working tree`,
      hint: `${known}; write table@rev for a revision`,
    });
  }
  return new InvalidQuery(`query failed: ${firstLines(messageOf(e))}`);
}
