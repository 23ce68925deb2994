import type { Engine } from '../engine/db.js';
import { quoteIdent } from '../engine/quote.js';
import { isDateTime, type Column, type FileFormat } from './schema.js';

/**
 * Exact types for a file's columns. DuckDB's sniffer types a column from a sample by what its
 * values cast to: `10.50` becomes DOUBLE (written back `10.5`), `18446744073709551557` and
 * `1234567890.1234567891` become DOUBLE (rounded), and a JSON key holding both strings and
 * numbers becomes JSON (strings written back quoted twice). A value is never changed by inference,
 * so every numeric or JSON column it proposes is checked here over the whole file, from the text:
 * - integers stay integers while BIGINT holds them all, then DECIMAL(38,0), then VARCHAR (not
 *   HUGEINT: chunks are Parquet, whose writer stores a HUGEINT as a DOUBLE);
 * - plain decimals that all have as many fraction digits (money: 10.50, 3.00), or that carry more significant
 *   digits than a DOUBLE keeps (15), are DECIMAL(18|38, s), VARCHAR when 38 digits do not hold them;
 * - other numbers are DOUBLE only when no value has more than 15 significant digits, else VARCHAR;
 * - numbers written with leading zeros (`007`) are text: the zeros would be lost;
 * - a column those rules make DECIMAL or integer is text if it holds a negative zero (`-0.0`, `-0`): neither has a sign of zero;
 * - a JSON column of scalars only (strings, numbers, booleans) is VARCHAR; nested values keep JSON.
 * JSON numbers reach DuckDB as numbers (a JSON reader keeps no trailing zero), so the equal-fraction
 * rule applies to delimited text only.
 */
const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;
const INTEGER = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$/;
/** Digits a DOUBLE reproduces exactly from any decimal text (DBL_DIG). */
export const DOUBLE_DIGITS = 15;

const PLAIN_INT = `'\\s*[+-]?[0-9]+\\s*'`;
const PLAIN_DEC = `'\\s*[+-]?([0-9]+\\.[0-9]*|\\.[0-9]+)\\s*'`;
const LEADING_ZERO = `'\\s*[+-]?0[0-9]+(\\.[0-9]*)?\\s*'`;

/** Whether a number's text is a negative zero (`-0`, `-0.0`, `-.00`): a DOUBLE keeps its sign, a DECIMAL or an integer cannot. */
export const negativeZero = (v: string): string => `regexp_full_match(${v}, '\\s*-(0+(\\.0*)?|\\.0+)\\s*')`;

/** Significant digits of a number's text: sign, exponent, point and outer zeros removed. */
export const significantDigits = (v: string): string =>
  `length(regexp_replace(regexp_replace(regexp_replace(trim(${v}), '[eE].*$', ''), '[^0-9]', '', 'g'), '^0+|0+$', '', 'g'))`;

/**
 * Whether a number's text may not survive a DOUBLE: more significant digits than a DOUBLE surely
 * keeps, unless the text is the DOUBLE's own shortest form (as DuckDB writes a DOUBLE back), which
 * reads back to exactly that text.
 */
export const doubleLoses = (v: string): string =>
  // Nested CASEs, not AND: DuckDB evaluates every operand of an AND in a projection, and the digit count is the costly part.
  `(CASE WHEN length(${v}) > ${DOUBLE_DIGITS} THEN (CASE WHEN ${significantDigits(v)} > ${DOUBLE_DIGITS} ` +
  `THEN CAST(TRY_CAST(trim(${v}) AS DOUBLE) AS VARCHAR) IS DISTINCT FROM lower(trim(${v})) ELSE false END) ELSE false END)`;

interface Stats {
  nn: number;
  ints: number;
  decs: number;
  lead: number;
  intDigits: number;
  fracMax: number;
  fracMin: number;
  long: number;
  negzero: number;
  doubles: number;
  bigints: number;
  nested: number;
}

export const candidate = (c: Column, format: FileFormat): boolean => NUMERIC.test(c.type) || (format === 'jsonl' && c.type === 'JSON');

/**
 * The columns as `sniffed`, with every numeric or JSON column given the exact type its values need.
 * `verified` receives the columns whose every value was seen to be the canonical text of the type
 * chosen (as DuckDB writes it back): reading them with that type cannot change a value.
 */
export async function exactTypes(
  engine: Engine,
  reader: (columns: readonly Column[], head?: boolean) => string,
  format: FileFormat,
  sniffed: readonly Column[],
  verified?: Map<string, string>,
  /** The canonical pass first (false: the feature analysis for every column; the tests' oracle). */
  canonical = true,
): Promise<Column[]> {
  const picked = sniffed.filter((c) => candidate(c, format));
  if (picked.length === 0) return [...sniffed];
  // Read as text (JSON columns as JSON, to tell nested values from scalars), everything over the whole file.
  const asText = sniffed.map((c) => ({ name: c.name, type: format === 'jsonl' && c.type === 'JSON' ? 'JSON' : 'VARCHAR' }));
  const decided =
    format === 'jsonl' || !canonical
      ? new Map<string, string>()
      : await canonicalTypes(engine, reader(asText), reader(asText, true), picked);
  for (const [name, type] of decided) verified?.set(name, type);
  const rest = picked.filter((c) => !decided.has(c.name));
  if (rest.length) {
    const features = rest.map((c, i) => featuresSql(c, i, format)).join(',\n');
    const stats = rest.map((_, i) => statsSql(i)).join(',\n');
    const row = await engine.one(`SELECT ${stats} FROM (SELECT ${features} FROM ${reader(asText)})`);
    rest.forEach((c, i) => {
      const n = (k: keyof Stats) => Number(row?.[`__lakegit_${k}${i}`] ?? 0);
      const s = Object.fromEntries(STATS.map((k) => [k, n(k)])) as unknown as Stats;
      decided.set(c.name, decide(c.type, s, format));
    });
  }
  return sniffed.map((c) => ({ name: c.name, type: decided.get(c.name) ?? c.type }));
}

/**
 * The cheap whole-file pass (delimited text): a column whose every value is the canonical text of a
 * BIGINT (`-12`, no sign or zero padding) or of a DECIMAL(18,s) (`0.50`, s fraction digits, s read off
 * the first rows) gets the type `decide` gives such values, from a cast and a comparison per value
 * instead of the feature analysis. Columns with any other value are left to `featuresSql`.
 */
async function canonicalTypes(engine: Engine, relation: string, head: string, picked: readonly Column[]): Promise<Map<string, string>> {
  const v = (i: number) => quoteIdent(picked[i].name);
  const scale = await headScales(engine, head, picked);
  // DECIMAL(18,s): DuckDB prints a DECIMAL(38,s) (a HUGEINT) ~20x slower; wider values take the feature pass.
  const dec = (i: number) => `TRY_CAST(${v(i)} AS DECIMAL(18,${scale[i]}))`;
  const aggs = picked.flatMap((_, i) => [
    `count(${v(i)}) AS __lakegit_nn${i}`,
    `count(*) FILTER (WHERE CAST(TRY_CAST(${v(i)} AS BIGINT) AS VARCHAR) = ${v(i)}) AS __lakegit_int${i}`,
    ...(scale[i]
      ? [
          `count(*) FILTER (WHERE CAST(${dec(i)} AS VARCHAR) = ${v(i)}) AS __lakegit_dec${i}`,
          `CAST(max(abs(${dec(i)})) AS VARCHAR) AS __lakegit_top${i}`,
        ]
      : []),
  ]);
  const row = await engine.one(`SELECT ${aggs.join(', ')} FROM ${relation}`);
  const out = new Map<string, string>();
  picked.forEach((c, i) => {
    const nn = Number(row?.[`__lakegit_nn${i}`] ?? -1);
    const none: Stats = {
      nn,
      ints: 0,
      decs: 0,
      lead: 0,
      intDigits: 0,
      fracMax: 0,
      fracMin: 0,
      long: 0,
      negzero: 0,
      doubles: nn,
      bigints: 0,
      nested: 0,
    };
    if (Number(row?.[`__lakegit_int${i}`]) === nn) out.set(c.name, decide(c.type, { ...none, ints: nn, bigints: nn }, 'csv'));
    else if (scale[i] && Number(row?.[`__lakegit_dec${i}`]) === nn) {
      const intDigits = String(row?.[`__lakegit_top${i}`] ?? '0')
        .split('.')[0]
        .replace(/^0+/, '').length;
      out.set(c.name, decide(c.type, { ...none, decs: nn, intDigits, fracMax: scale[i], fracMin: scale[i] }, 'csv'));
    }
  });
  return out;
}

/** Per column, the most fraction digits among the first 2,048 values (0 when none, or more than 18). */
export async function headScales(engine: Engine, relation: string, picked: readonly Column[]): Promise<number[]> {
  const v = (i: number) => quoteIdent(picked[i].name);
  const frac = (i: number) => `max(CASE WHEN strpos(${v(i)}, '.') > 0 THEN length(${v(i)}) - strpos(${v(i)}, '.') END) AS __lakegit_s${i}`;
  const head = await engine.one(`SELECT ${picked.map((_, i) => frac(i)).join(', ')} FROM (SELECT * FROM ${relation} LIMIT 2048)`);
  return picked.map((_, i) => Number(head?.[`__lakegit_s${i}`] ?? 0)).map((s) => (s > 0 && s <= 18 ? s : 0));
}

const STATS: (keyof Stats)[] = [
  'nn',
  'ints',
  'decs',
  'lead',
  'intDigits',
  'fracMax',
  'fracMin',
  'long',
  'negzero',
  'doubles',
  'bigints',
  'nested',
];

/**
 * Per value, once: its kind (0 NULL, 1 plain integer, 2 plain decimal, 3 anything else) and the
 * few numbers the decision needs. CASE evaluates a branch only for the rows that reach it, so the
 * costly tests (regular expressions, digit counts) run only where they can matter.
 */
function featuresSql(c: Column, i: number, format: FileFormat): string {
  const col = quoteIdent(c.name);
  const json = format === 'jsonl' && c.type === 'JSON';
  const v = `__lakegit_v${i}`;
  const k = `__lakegit_k${i}`;
  const text = json ? `CASE WHEN json_type(${col}) = 'VARCHAR' THEN ${col}->>'$' ELSE CAST(${col} AS VARCHAR) END` : col;
  const isNull = json ? `${col} IS NULL OR json_type(${col}) = 'NULL'` : `${col} IS NULL`;
  const notNum = json ? `json_type(${col}) NOT IN ('BIGINT', 'UBIGINT', 'DOUBLE')` : 'false';
  const nested = json ? `json_type(${col}) IN ('OBJECT', 'ARRAY')` : 'false';
  return [
    `${text} AS ${v}`,
    `CASE WHEN ${isNull} THEN 0 WHEN ${notNum} THEN 3 WHEN regexp_full_match(${v}, ${PLAIN_INT}) THEN 1 WHEN regexp_full_match(${v}, ${PLAIN_DEC}) THEN 2 ELSE 3 END AS ${k}`,
    `CASE WHEN ${k} IN (1, 2) THEN regexp_full_match(${v}, ${LEADING_ZERO}) ELSE false END AS __lakegit_lead${i}`,
    `CASE WHEN ${k} IN (1, 2) THEN length(ltrim(split_part(ltrim(trim(${v}), '+-'), '.', 1), '0')) END AS __lakegit_intd${i}`,
    `CASE WHEN ${k} = 2 THEN length(split_part(trim(${v}), '.', 2)) END AS __lakegit_frac${i}`,
    `CASE WHEN ${k} IN (1, 2, 3) THEN ${doubleLoses(v)} ELSE false END AS __lakegit_long${i}`,
    `CASE WHEN ${k} IN (1, 2) AND strpos(${v}, '-') > 0 THEN ${negativeZero(v)} ELSE false END AS __lakegit_nz${i}`,
    `CASE WHEN ${k} = 3 AND NOT (${notNum}) THEN TRY_CAST(trim(${v}) AS DOUBLE) IS NOT NULL ELSE ${k} IN (1, 2) END AS __lakegit_dbl${i}`,
    `CASE WHEN ${k} = 1 THEN length(trim(${v})) < 19 OR TRY_CAST(trim(${v}) AS BIGINT) IS NOT NULL ELSE false END AS __lakegit_big${i}`,
    `${nested} AS __lakegit_nest${i}`,
  ].join(', ');
}

function statsSql(i: number): string {
  const k = `__lakegit_k${i}`;
  return [
    `count(*) FILTER (WHERE ${k} > 0) AS __lakegit_nn${i}`,
    `count(*) FILTER (WHERE ${k} = 1) AS __lakegit_ints${i}`,
    `count(*) FILTER (WHERE ${k} = 2) AS __lakegit_decs${i}`,
    `count(*) FILTER (WHERE __lakegit_lead${i}) AS __lakegit_lead${i}`,
    `coalesce(max(__lakegit_intd${i}), 0) AS __lakegit_intDigits${i}`,
    `coalesce(max(__lakegit_frac${i}), 0) AS __lakegit_fracMax${i}`,
    `coalesce(min(__lakegit_frac${i}), 0) AS __lakegit_fracMin${i}`,
    `count(*) FILTER (WHERE __lakegit_long${i}) AS __lakegit_long${i}`,
    `count(*) FILTER (WHERE __lakegit_nz${i}) AS __lakegit_negzero${i}`,
    `count(*) FILTER (WHERE __lakegit_dbl${i}) AS __lakegit_doubles${i}`,
    `count(*) FILTER (WHERE __lakegit_big${i}) AS __lakegit_bigints${i}`,
    `count(*) FILTER (WHERE __lakegit_nest${i}) AS __lakegit_nested${i}`,
  ].join(', ');
}

function decide(sniffed: string, s: Stats, format: FileFormat): string {
  if (s.nested > 0) return sniffed; // JSON with objects or arrays in it stays JSON
  if (s.nn === 0) return sniffed === 'JSON' ? 'VARCHAR' : sniffed;
  if (s.lead > 0) return 'VARCHAR';
  if (s.ints === s.nn) {
    // An integer has no sign of zero: `-0` would come back as `0`.
    if (s.negzero > 0) return 'VARCHAR';
    if (s.bigints === s.nn) return INTEGER.test(sniffed) ? sniffed : 'BIGINT';
    return s.intDigits <= 38 ? 'DECIMAL(38,0)' : 'VARCHAR';
  }
  if (s.ints + s.decs === s.nn) {
    const scale = s.fracMax;
    const digits = s.intDigits + scale;
    const fixed = format !== 'jsonl' && scale > 0 && s.ints === 0 && s.fracMin === scale;
    if (!fixed && s.long === 0) return 'DOUBLE';
    // A DECIMAL keeps 10.50's trailing zero and all 38 digits, a DOUBLE keeps -0.0's sign: text keeps both.
    if (s.negzero > 0) return 'VARCHAR';
    return digits <= 18 ? `DECIMAL(18,${scale})` : digits <= 38 ? `DECIMAL(38,${scale})` : 'VARCHAR';
  }
  return s.doubles === s.nn && s.long === 0 ? 'DOUBLE' : 'VARCHAR';
}

/**
 * The columns of a loaded table that DuckDB's sniffer typed as dates or timestamps but that hold only
 * infinities: it reads `inf` and `-inf` as the infinite date, written back `infinity`. A column of
 * nothing but infinities is numbers: its caller loads it again with DOUBLE as the sniffed type.
 */
export async function infiniteOnly(engine: Engine, table: string, columns: readonly Column[]): Promise<string[]> {
  const dates = columns.filter((c) => isDateTime(c.type));
  if (dates.length === 0) return [];
  const tests = dates.map((c, i) => {
    const q = quoteIdent(c.name);
    return `count(${q}) > 0 AND count(${q}) = count(*) FILTER (WHERE isinf(${q})) AS __lakegit_inf${i}`;
  });
  const row = await engine.one(`SELECT ${tests.join(', ')} FROM ${table}`);
  return dates.filter((_, i) => row?.[`__lakegit_inf${i}`] === true).map((c) => c.name);
}
