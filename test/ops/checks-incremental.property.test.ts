import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { Repo } from '../../src/repo.js';
import { apiSandbox, applyEdits } from './checks-helpers.js';
import { csv, scenario, yaml, type Row } from './checks-generators.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

// Incremental checks (only the rows a branch changes, for row-local checks main passed) must give
// the verdict and counts of `--full`, for any row-local lakegit.yaml over any table and history.
// Columns have odd names (a SQL keyword, a one-letter name, unicode with a space); values NULLs and
// unicode. The base rows pass by construction (values drawn from the "good" domain every generated
// check accepts); the edits draw from a wider domain that may break any check.

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
