import fc from 'fast-check';

/**
 * Random row-local lakegit.yaml files, tables and edit histories for the incremental = full
 * properties (checks-incremental.property.test.ts, remote-check-record.property.test.ts).
 * Columns have odd names (a SQL keyword, a one-letter name, unicode with a space); values NULLs and
 * unicode. The base rows pass by construction (values drawn from the "good" domain every generated
 * check accepts); the edits draw from a wider domain that may break any check.
 */

export const INT_COLS = ['select', 'w'] as const;
export const STR_COLS = ['ünï côl', 'status'] as const;
export const GOOD_STR = ['new', 'paid', 'ñé', '多'];
export const BAD_STR = ['lost', 'ÿ', ''];
export type Row = { id: number } & Record<string, number | string | null>;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const yq = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar

export const config = fc.record({
  notNull: fc.subarray([...INT_COLS, ...STR_COLS]),
  range: fc.subarray([...INT_COLS]),
  min: fc.integer({ min: -10, max: 0 }),
  max: fc.integer({ min: 50, max: 60 }),
  accepted: fc.subarray([...STR_COLS]),
  extraAccepted: fc.subarray(BAD_STR),
  sqlOver: fc.option(fc.tuple(fc.constantFrom(...INT_COLS), fc.integer({ min: 50, max: 70 }))),
  sqlStr: fc.option(fc.tuple(fc.constantFrom(...STR_COLS), fc.constantFrom(...BAD_STR))),
});
export type Config = typeof config extends fc.Arbitrary<infer T> ? T : never;

export function yaml(c: Config): string {
  const lines = ['checks:', '  t:'];
  if (c.notNull.length) lines.push(`    not_null: [${c.notNull.map(yq).join(', ')}]`);
  if (c.range.length) lines.push(`    range: { ${c.range.map((col) => `${yq(col)}: { min: ${c.min}, max: ${c.max} }`).join(', ')} }`);
  if (c.accepted.length)
    lines.push(
      `    accepted_values: { ${c.accepted.map((col) => `${yq(col)}: [${[...GOOD_STR, ...c.extraAccepted].map(yq).join(', ')}]`).join(', ')} }`,
    );
  const sql: string[] = [];
  if (c.sqlOver) sql.push(`      - name: over\n        query: ${yq(`select * from t where ${q(c.sqlOver[0])} > ${c.sqlOver[1]}`)}`);
  if (c.sqlStr) sql.push(`      - name: banned\n        query: ${yq(`select * from t where ${q(c.sqlStr[0])} = '${c.sqlStr[1]}'`)}`);
  if (sql.length) lines.push('    sql:', ...sql);
  if (lines.length === 2) lines.push(`    not_null: [${yq('w')}]`);
  return `${lines.join('\n')}\n`;
}

export const goodRow = (id: number) =>
  fc.record({
    id: fc.constant(id),
    select: fc.integer({ min: 0, max: 50 }),
    w: fc.integer({ min: 0, max: 50 }),
    'ünï côl': fc.constantFrom(...GOOD_STR),
    status: fc.constantFrom(...GOOD_STR),
  }) as fc.Arbitrary<Row>;
export const anyRow = (id: number) =>
  fc.record({
    id: fc.constant(id),
    select: fc.option(fc.integer({ min: -20, max: 80 }), { freq: 4 }),
    w: fc.option(fc.integer({ min: -20, max: 80 }), { freq: 4 }),
    'ünï côl': fc.option(fc.constantFrom(...GOOD_STR, ...BAD_STR.filter(Boolean)), { freq: 4 }),
    status: fc.option(fc.constantFrom(...GOOD_STR, ...BAD_STR.filter(Boolean)), { freq: 4 }),
  }) as fc.Arbitrary<Row>;

export const COLS = ['id', ...INT_COLS, ...STR_COLS];
const field = (v: number | string | null) => (v === null ? '' : typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`);
export const csv = (rows: Row[]) =>
  `${COLS.map((c) => field(c)).join(',')}\n${rows.map((r) => COLS.map((c) => field(r[c])).join(',')).join('\n')}\n`;

export const scenario = fc.integer({ min: 3, max: 30 }).chain((n) =>
  fc.record({
    config,
    base: fc.tuple(...Array.from({ length: n }, (_, i) => goodRow(i + 1))),
    commits: fc.array(
      fc.record({
        edits: fc.array(fc.tuple(fc.integer({ min: 1, max: n + 8 }), fc.boolean()), { maxLength: 6 }),
        values: fc.array(anyRow(0), { minLength: 6, maxLength: 6 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    keyless: fc.boolean(),
  }),
);
