import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { commitGate } from '../../src/ops/verify/gates.js';
import type { CheckReport } from '../../src/ops/checks/report.js';
import { indexTree } from '../../src/ops/tree.js';
import { Repo } from '../../src/repo.js';
import { apiSandbox, applyEdits } from './checks-helpers.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

// Checks that main passed run only on the rows a branch changes (unique: on their groups; foreign
// keys: while the parent is unchanged); the verdict, the count and the sample must be those of a
// full run over every row, whatever the data and history.
const YAML = (table: string) => `checks:
  ${table}:
    not_null: [amount]
    accepted_values: { status: [new, paid] }
    range: { amount: { min: 0, max: 100 } }
    unique: [code]
    foreign_keys: { status: s.status }
    sql:
      - name: no_big_new
        query: select * from ${table} where status = 'new' and amount > 90
`;

type Row = { id: number; amount: number | null; status: string | null; code: number | null };
const goodRow = (id: number) =>
  fc.record({
    id: fc.constant(id),
    amount: fc.integer({ min: 0, max: 90 }),
    status: fc.constantFrom('new', 'paid'),
    code: fc.constant(id),
  });
const anyRow = (id: number) =>
  fc.record({
    id: fc.constant(id),
    amount: fc.option(fc.integer({ min: -20, max: 120 }), { freq: 5 }),
    status: fc.option(fc.constantFrom('new', 'paid', 'lost'), { freq: 5 }),
    code: fc.option(fc.integer({ min: 1, max: 60 }), { freq: 5 }),
  });
const csv = (rows: Row[]) =>
  `id,amount,status,code\n${rows.map((r) => `${r.id},${r.amount ?? ''},${r.status ?? ''},${r.code ?? ''}`).join('\n')}\n`;
/** The foreign key's parent table: the statuses a row may name. */
const PARENTS = { same: ['new', 'paid'], 'drop-paid': ['new'], 'add-lost': ['new', 'paid', 'lost'] } as const;
const parentCsv = (statuses: readonly string[]) => `status\n${statuses.join('\n')}\n`;

/** A base that passes, and 1–3 commits of edits (changes, inserts, deletes) that may break it. */
const scenario = fc.integer({ min: 3, max: 40 }).chain((n) =>
  fc.record({
    base: fc.tuple(...Array.from({ length: n }, (_, i) => goodRow(i + 1))),
    commits: fc.array(
      fc.record({
        edits: fc.array(fc.tuple(fc.integer({ min: 1, max: n + 10 }), fc.boolean()), { maxLength: 8 }),
        values: fc.array(anyRow(0), { minLength: 8, maxLength: 8 }),
        parent: fc.constantFrom('same', 'same', 'drop-paid', 'add-lost') as fc.Arbitrary<keyof typeof PARENTS>,
      }),
      { minLength: 1, maxLength: 3 },
    ),
    keyless: fc.boolean(),
  }),
);

/** Cases the property runs, from a fixed seed so a failure replays (checks-incremental.property.test.ts covers random policies). */
const RUNS = 10;
const SEED = 20261206;

describe('checks: incremental mode', () => {
  const root = apiSandbox('lakegit-incr-');

  it('checks: incremental and full runs agree on random data and histories (property)', async () => {
    let run = 0;
    let incremental = 0;
    let setWide = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ base, commits, keyless }) => {
        const dir = path.join(root(), `r${run++}`);
        const repo = await Repo.init(dir);
        await fsp.writeFile(path.join(dir, 't.csv'), csv(base));
        await fsp.writeFile(path.join(dir, 's.csv'), parentCsv(PARENTS.same));
        await fsp.writeFile(path.join(dir, 'lakegit.yaml'), YAML('t'));
        await repo.add({ paths: ['s.csv'], cwd: dir, key: ['status'] });
        await repo.add({ paths: ['t.csv', 'lakegit.yaml'], cwd: dir, ...(keyless ? { keyless: true } : { key: ['id'] }) });
        await repo.commit({ message: 'base' }); // passes its pre-commit checks: noted
        await repo.checkout({ target: 'HEAD', create: 'branch' });
        let rows: Row[] = base;
        for (const c of commits) {
          rows = applyEdits(rows, c.edits, c.values);
          await fsp.writeFile(path.join(dir, 't.csv'), csv(rows));
          await fsp.writeFile(path.join(dir, 's.csv'), parentCsv(PARENTS[c.parent]));
          await repo.commit({ message: 'edit', all: true, noVerify: true, allowEmpty: true });
        }
        const fast = await repo.check({ into: 'main' });
        const full = await repo.check({ into: 'main', full: true });
        const strip = (r: typeof fast) => r.checks.map(({ mode: _m, ...c }) => c);
        expect(strip(fast)).toEqual(strip(full));
        expect(full.checks.every((c) => c.mode === 'full')).toBe(true);
        if (fast.checks.some((c) => c.mode === 'incremental')) incremental++;
        if (fast.checks.some((c) => c.mode === 'incremental' && (c.kind === 'unique' || c.kind === 'foreign_keys'))) setWide++;
        await fsp.rm(dir, { recursive: true, force: true });
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(
      `checks-incremental property: ${RUNS} cases (seed ${SEED}), ${incremental} incremental, ${setWide} unique/foreign_keys incremental`,
    );
    expect(incremental).toBeGreaterThan(RUNS / 2);
    expect(setWide).toBeGreaterThan(RUNS / 4);
  }, 300_000);

  it('checks: the commit after a checked commit runs its pre-commit checks incrementally (the pass noted on its tree is found)', async () => {
    const dir = path.join(root(), 'gate');
    const repo = await Repo.init(dir);
    const rows = Array.from({ length: 30 }, (_, i): Row => ({ id: i + 1, amount: i, status: 'new', code: i + 1 }));
    await fsp.writeFile(path.join(dir, 's.csv'), parentCsv(PARENTS.same));
    await fsp.writeFile(path.join(dir, 't.csv'), csv(rows));
    await fsp.writeFile(path.join(dir, 'lakegit.yaml'), YAML('t'));
    await repo.add({ paths: ['s.csv'], cwd: dir, key: ['status'] });
    await repo.add({ paths: ['t.csv', 'lakegit.yaml'], cwd: dir, key: ['id'] });
    await repo.commit({ message: 'base' });
    await fsp.writeFile(path.join(dir, 't.csv'), csv([...rows, { id: 31, amount: 5, status: 'paid', code: 31 }]));
    await repo.add({ paths: ['t.csv'], cwd: dir });
    const parent = (await repo.ctx.git.resolveRef('HEAD'))!;
    const gate = await commitGate(repo.ctx, {
      event: 'commit',
      branch: 'main',
      parent,
      tree: indexTree(await repo.ctx.staging.read()),
      noVerify: false,
    });
    const report = gate[0].report as CheckReport;
    expect(report.passed).toBe(true);
    const modes = Object.fromEntries(report.checks.map((c) => [c.check, c.mode]));
    expect(modes).toMatchObject({
      'not_null(amount)': 'incremental',
      'unique(code)': 'incremental',
      'foreign_keys(status)': 'incremental',
    });
  });
});
