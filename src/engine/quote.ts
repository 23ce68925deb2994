/** The one place where names and literals become SQL text. Values are bound as parameters elsewhere. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** For literals DuckDB cannot take as parameters (paths inside table functions, COPY targets). */
export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;

export const identList = (names: readonly string[]): string => names.map(quoteIdent).join(', ');

/** A SQL list of file paths, for read_parquet([...]). */
export const pathList = (paths: readonly string[]): string => `[${paths.map(quoteLiteral).join(', ')}]`;
