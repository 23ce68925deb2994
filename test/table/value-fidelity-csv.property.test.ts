import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/engine/quote.js';
import { api, newRepo } from '../cli/core-helpers.js';
import { RUNS, SEED, bigint, decimalText, text, pad, timeText, headColumns } from './fidelity-tables.js';

// Property (CSV source), over random CSV files whose columns each draw text from one kind (integers up
// to and past 64 bits, fixed-scale decimals, floats in every notation with -0.0, infinities and NaN,
// dates, timestamps with and without a zone, times, booleans, text), NULLs (empty fields) and now and
// then a value of another kind: after add + commit, every value of a column lakegit typed other than
// VARCHAR renders as its source text, up to re-rendering the same value (a number's notation: `5` as
// `5.0`, `1e5` as `100000.0`, `Infinity` as `inf`); a VARCHAR value is its text exactly. Oracle: the
// source text, parsed in TypeScript; the committed values read by `sql` over `t@HEAD`, `::VARCHAR`.
const CSV_KINDS: Record<string, fc.Arbitrary<string>> = {
  int: fc.oneof(
    bigint.map(String),
    fc.constantFrom('99999999999999999999', '-170141183460469231731687303715884105728', '+5', ' 7', '0', '-0'),
    fc.integer({ min: -999, max: 999 }).map(String),
  ),
  fixed: fc.oneof(decimalText(9, 2), fc.constantFrom('-0.00', '0.00', '10.50', '-1.25', '99999999999999999.99')),
  wide: fc.oneof(decimalText(30, 8), decimalText(17, 16)),
  num: fc.oneof(
    fc.constantFrom(
      '-0.0',
      '0.0',
      '1e308',
      '5e-324',
      '1.5E+10',
      '-2.5e-3',
      '.5',
      '5.',
      'inf',
      '-inf',
      'nan',
      'Infinity',
      '0.1',
      '123456789012345',
    ),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? '-0.0' : String(d))),
    fc.integer({ min: -99999, max: 99999 }).map((n) => `${n / 100}`),
  ),
  date: fc.oneof(
    fc.constantFrom('0001-01-01', '9999-12-31', '1970-01-01', '2024-02-29'),
    fc.integer({ min: 0, max: 2_932_896 }).map((d) => new Date(d * 86400000 - 62135596800000).toISOString().slice(0, 10)),
  ),
  ts: fc
    .tuple(fc.integer({ min: 0, max: 2_932_896 }), fc.nat(86399), fc.nat(999_999), fc.constantFrom('', '.f', 'T'))
    .map(([d, s, u, form]) => {
      const day = new Date(d * 86400000 - 62135596800000).toISOString().slice(0, 10);
      const time = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
      return form === '.f' ? `${day} ${time}.${pad(u, 6)}` : `${day}${form === 'T' ? 'T' : ' '}${time}`;
    }),
  tstz: fc.constantFrom('2024-01-05 10:00:00+02', '2024-01-05 10:00:00+00', '1999-12-31 23:59:59.5-05', '2024-06-01T00:00:00Z'),
  time: timeText.filter((t) => t !== '24:00:00'),
  bool: fc.constantFrom('true', 'false', 'TRUE', 'False', 't', 'f'),
  text: text.filter((s) => s !== ''),
};
type CsvKind = keyof typeof CSV_KINDS;
const csvKinds = Object.keys(CSV_KINDS) as CsvKind[];
const csvValue = (kind: CsvKind) =>
  fc.oneof(
    { weight: 12, arbitrary: CSV_KINDS[kind] },
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(...csvKinds).chain((k) => CSV_KINDS[k]) },
  );
const csvTable = fc
  .record({ kinds: fc.array(fc.constantFrom(...csvKinds), { minLength: 1, maxLength: 5 }), rows: fc.integer({ min: 1, max: 10 }) })
  .chain(({ kinds, rows }) =>
    fc.record({
      kinds: fc.constant(kinds),
      rows: fc.array(fc.tuple(...kinds.map(csvValue)), { minLength: rows, maxLength: rows }),
    }),
  );

/** A CSV field: NULL is an empty unquoted field, anything that needs it is quoted. */
const csvField = (v: string | null) => (v === null ? '' : /[",\r\n]|^$|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A number's value as sign, digits and exponent (`-0.0` keeps its sign; `5`, `5.0` and `0.5e1` are one value). */
function numberValue(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? '-inf' : 'inf';
  if (/^[+-]?nan$/.test(t)) return 'nan';
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(t);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}`;
  const exp = Number(m[4] ?? 0) - (m[3] ?? '').length;
  const lead = digits.replace(/^0+/, '');
  const sign = m[1] === '-' ? '-' : '';
  if (lead === '') return `${sign}0`;
  const trimmed = lead.replace(/0+$/, '');
  return `${sign}${trimmed}e${exp + lead.length - trimmed.length}`;
}

const NUMERIC = /^(BIGINT|HUGEINT|INTEGER|SMALLINT|TINYINT|DOUBLE|FLOAT|DECIMAL\(\d+,\s*\d+\))$/;
/** Whether a committed value's text is its source text up to the re-renderings docs/cli.md allows. */
function sameValue(type: string, source: string, committed: string): boolean {
  if (committed === source) return true;
  if (NUMERIC.test(type)) {
    const [a, b] = [numberValue(source), numberValue(committed)];
    if (a === undefined || a !== b) return false;
    // A DECIMAL(p,s) renders s fraction digits: a value written with fewer gains zeros, none is cut.
    const frac = (s: string) => /\.(\d*)$/.exec(s.trim())?.[1].length ?? 0;
    const scale = Number(/^DECIMAL\(\d+,\s*(\d+)\)$/.exec(type)?.[1] ?? 0);
    return !type.startsWith('DECIMAL') || (frac(committed) === scale && frac(source) <= scale);
  }
  // A time's notation: `T` or a space, trailing zeros of the fraction; an instant in the session's zone.
  const clock = (s: string) =>
    s
      .trim()
      .replace('T', ' ')
      .replace(/(\.\d*?)0+(?=$|[-+Z])/, '$1')
      .replace(/\.(?=$|[-+Z])/, '');
  // A date in a column widened to timestamps is its midnight (test/table/files.test.ts pins the widening).
  const day = (s: string) => (/^\d{4}-\d\d-\d\d$/.test(s.trim()) ? `${s.trim()} 00:00:00` : s);
  if (/^(DATE|TIMESTAMP|TIME)$/.test(type)) return clock(day(source)) === clock(committed);
  if (type === 'TIMESTAMP WITH TIME ZONE') return instant(`${day(source)}${day(source) === source ? '' : 'Z'}`) === instant(committed);
  if (type === 'BOOLEAN') return /^(t|true)$/i.test(source.trim()) === (committed === 'true');
  return false;
}

/** An instant's milliseconds from its text (`+02` and `Z` offsets). */
function instant(text: string): number {
  const iso = text
    .trim()
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00');
  return Date.parse(iso);
}

describe('value fidelity of CSV text', () => {
  it(`a CSV value lakegit types comes back as its own text, up to the documented re-renderings (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(csvTable, async (t) => {
        const header = ['id', ...t.kinds.map((k, i) => `${k}${i}`)];
        const lines = t.rows.map((r, i) => [String(i), ...r.map(csvField)].join(','));
        await using repo = await newRepo({ 'data.csv': `${header.join(',')}\n${lines.join('\n')}\n` });
        const a = await api(repo);
        await a.add({ paths: ['data.csv'], cwd: repo.dir, key: ['id'] });
        await a.commit({ message: 'load' });
        const columns = await headColumns(a, 'data');
        const list = columns.map((c) => `${quoteIdent(c.name)}::VARCHAR AS ${quoteIdent(c.name)}`).join(', ');
        const rows = (await a.sql(`SELECT ${list} FROM data@HEAD ORDER BY id`)).rows;
        const changed: string[] = [];
        t.rows.forEach((r, i) =>
          r.forEach((source, j) => {
            const c = columns[j + 1];
            const committed = rows[i][c.name] as string | null;
            const fine =
              source === null
                ? committed === null
                : committed !== null && (c.type === 'VARCHAR' ? committed === source : sameValue(c.type, source, committed));
            if (!fine) changed.push(`${c.name} ${c.type}: ${JSON.stringify(source)} -> ${JSON.stringify(committed)}`);
          }),
        );
        expect(changed).toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 600_000);
});
