/** The one place where names and literals become SQL text. Values are bound as parameters elsewhere. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * For file paths and options inside SQL fragments: a snapshot's or a file's reader is a piece of SQL
 * (`read_parquet([...])`, `read_csv(...)`) composed into larger statements, which carry no parameter
 * list of their own. User data values never come through here; they are bound.
 */
export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;

export const identList = (names: readonly string[]): string => names.map(quoteIdent).join(', ');

/** A SQL list of file paths, for read_parquet([...]). */
export const pathList = (paths: readonly string[]): string => `[${paths.map(quoteLiteral).join(', ')}]`;
