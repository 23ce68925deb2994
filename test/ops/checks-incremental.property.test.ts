import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { apiSandbox, applyEdits } from './checks-helpers.js';

// Incremental checks (only the rows a branch changes, for row-local checks main passed) must give
// the verdict and counts of `--full`, for any row-local lakegit.yaml over any table and history.
// Columns have odd names (a SQL keyword, a one-letter name, unicode with a space); values NULLs and
// unicode. The base rows pass by construction (values drawn from the "good" domain every generated
// check accepts); the edits draw from a wider domain that may break any check.

const INT_COLS = ['select', 'w'] as const;
const STR_COLS = ['ünï côl', 'status'] as const;
const GOOD_STR = ['new', 'paid', 'ñé', '多'];
const BAD_STR = ['lost', 'ÿ', ''];
type Row = { id: number } & Record<string, number | string | null>;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const yq = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar

const config = fc.record({
  notNull: fc.subarray([...INT_COLS, ...STR_COLS]),
  range: fc.subarray([...INT_COLS]),
  min: fc.integer({ min: -10, max: 0 }),
  max: fc.integer({ min: 50, max: 60 }),
  accepted: fc.subarray([...STR_COLS]),
  extraAccepted: fc.subarray(BAD_STR),
  sqlOver: fc.option(fc.tuple(fc.constantFrom(...INT_COLS), fc.integer({ min: 50, max: 70 }))),
  sqlStr: fc.option(fc.tuple(fc.constantFrom(...STR_COLS), fc.constantFrom(...BAD_STR))),
});
type Config = typeof config extends fc.Arbitrary<infer T> ? T : never;

function yaml(c: Config): string {
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

const goodRow = (id: number) =>
  fc.record({
    id: fc.constant(id),
    select: fc.integer({ min: 0, max: 50 }),
    w: fc.integer({ min: 0, max: 50 }),
    'ünï côl': fc.constantFrom(...GOOD_STR),
    status: fc.constantFrom(...GOOD_STR),
  }) as fc.Arbitrary<Row>;
const anyRow = (id: number) =>
  fc.record({
    id: fc.constant(id),
    select: fc.option(fc.integer({ min: -20, max: 80 }), { freq: 4 }),
    w: fc.option(fc.integer({ min: -20, max: 80 }), { freq: 4 }),
    'ünï côl': fc.option(fc.constantFrom(...GOOD_STR, ...BAD_STR.filter(Boolean)), { freq: 4 }),
    status: fc.option(fc.constantFrom(...GOOD_STR, ...BAD_STR.filter(Boolean)), { freq: 4 }),
  }) as fc.Arbitrary<Row>;

const COLS = ['id', ...INT_COLS, ...STR_COLS];
const field = (v: number | string | null) => (v === null ? '' : typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`);
const csv = (rows: Row[]) =>
  `${COLS.map((c) => field(c)).join(',')}\n${rows.map((r) => COLS.map((c) => field(r[c])).join(',')).join('\n')}\n`;

const scenario = fc.integer({ min: 3, max: 30 }).chain((n) =>
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

describe('checks: incremental = full (property)', () => {
  const root = apiSandbox('lakegit-incrp-');

  it('checks: over random row-local lakegit.yaml, tables and edit histories, incremental and --full agree on verdict and counts', async () => {
    let run = 0;
    let incremental = 0;
    let failing = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ config: c, base, commits, keyless }) => {
        const dir = path.join(root(), `r${run++}`);
        const repo = await Repo.init(dir);
        await fsp.writeFile(path.join(dir, 't.csv'), csv(base));
        await fsp.writeFile(path.join(dir, 'lakegit.yaml'), yaml(c));
        await repo.add({ paths: ['t.csv', 'lakegit.yaml'], cwd: dir, ...(keyless ? { keyless: true } : { key: ['id'] }) });
        const first = await repo.commit({ message: 'base' }); // passes its pre-commit checks: the passes are noted
        expect(first.status).toBe('committed');
        await repo.checkout({ target: 'HEAD', create: 'branch' });
        let rows: Row[] = base;
        for (const e of commits) {
          rows = applyEdits(rows, e.edits, e.values);
          await fsp.writeFile(path.join(dir, 't.csv'), csv(rows));
          await repo.commit({ message: 'edit', all: true, noVerify: true, allowEmpty: true });
        }
        const fast = await repo.check({ into: 'main' });
        const full = await repo.check({ into: 'main', full: true });
        const counts = (r: typeof fast) => r.checks.map((x) => ({ check: x.check, passed: x.passed, violations: x.violations }));
        expect(counts(fast)).toEqual(counts(full));
        expect(fast.passed).toBe(full.passed);
        expect(full.checks.every((x) => x.mode === 'full')).toBe(true);
        if (fast.checks.some((x) => x.mode === 'incremental')) incremental++;
        if (!full.passed) failing++;
        await fsp.rm(dir, { recursive: true, force: true });
      }),
      { numRuns: 20, seed: 20261206 },
    );
    // The property is only worth something if both modes and both verdicts were exercised.
    expect(incremental).toBeGreaterThan(10);
    expect(failing).toBeGreaterThan(5);
  }, 300_000);
});
