import type { Engine } from '../engine/db.js';
import { quoteIdent, quoteLiteral } from '../engine/quote.js';
import { candidate, headScales } from './infer.js';
import type { Column, FileFormat } from './schema.js';

/** `reader(columns, head)`: the file read with those columns' types (the first rows only when `head`). */
export type Reader = (columns: readonly Column[], head?: boolean) => string;

/**
 * One read instead of two, for a delimited file seen for the first time: each numeric column is read
 * as the one type the canonical pass (`canonicalTypes`) would give it if every value were that type's
 * canonical text (a signed integer type as sniffed; DECIMAL(18,s) with s read off the first rows),
 * and every value is checked on the way in to be exactly the text of the value it became (an
 * `error(PROVEN_MARK)` otherwise). If the load succeeds, the types and values are those of the two
 * reads (the canonical pass, then the typed load); if it fails, the caller does exactly those.
 * Undefined when some numeric column has no such candidate type (decimals without a point in the
 * first rows, unsigned or HUGEINT): the caller takes the two reads. `reader(columns)` reads the file
 * with the other columns as the load would; the columns given as VARCHAR are read as text.
 */
export async function provenLoadSql(
  engine: Engine,
  reader: Reader,
  sniffed: readonly Column[],
): Promise<{ sql: string; columns: Column[] } | undefined> {
  const picked = sniffed.filter((c) => candidate(c, 'csv'));
  if (picked.length === 0) return undefined;
  const asText = sniffed.map((c) => (picked.includes(c) ? { name: c.name, type: 'VARCHAR' } : c));
  const scales = picked.some((c) => !SIGNED.test(c.type)) ? await headScales(engine, reader(asText, true), picked) : [];
  const target = new Map<string, string>();
  for (const [i, c] of picked.entries()) {
    if (SIGNED.test(c.type)) target.set(c.name, c.type);
    else if (scales[i]) target.set(c.name, `DECIMAL(18,${scales[i]})`);
    else return undefined;
  }
  const raw = (i: number) => `__lakegit_raw${i}`;
  const inner = sniffed.map((c, i) => {
    const q = quoteIdent(c.name);
    const t = target.get(c.name);
    return t ? `${q} AS ${raw(i)}, TRY_CAST(${q} AS ${t}) AS ${q}` : q;
  });
  const outer = sniffed.map((c, i) => {
    const q = quoteIdent(c.name);
    if (!target.has(c.name)) return q;
    return `CASE WHEN CAST(${q} AS VARCHAR) IS DISTINCT FROM ${raw(i)} THEN error(${quoteLiteral(PROVEN_MARK)}) ELSE ${q} END AS ${q}`;
  });
  return {
    sql: `(SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${reader(asText)}))`,
    columns: sniffed.map((c) => ({ name: c.name, type: target.get(c.name) ?? c.type })),
  };
}

const PROVEN_MARK = 'lakegit: not the canonical text of the type tried';
const SIGNED = /^(TINYINT|SMALLINT|INTEGER|BIGINT)$/;

/**
 * A delimited file's first load in one read (`provenLoadSql`) into the work table `into`: true when it
 * loaded, with the types and values the inference pass and the typed load would give. False when it
 * cannot or did not (a value is not its type's canonical text, or any other failure): the caller then
 * does those two reads, which also explain a malformed file.
 */
export async function loadProven(
  engine: Engine,
  reader: Reader,
  format: FileFormat,
  into: string,
  sniffed: readonly Column[],
  order: string,
): Promise<boolean> {
  if (format !== 'csv' && format !== 'tsv') return false;
  try {
    const proven = await provenLoadSql(engine, reader, sniffed);
    if (!proven) return false;
    await engine.run(`CREATE OR REPLACE TABLE ${into} AS SELECT * FROM ${proven.sql}${order}`);
    return true;
  } catch {
    return false;
  }
}
