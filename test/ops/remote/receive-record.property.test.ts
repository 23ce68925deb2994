import { promises as fsp } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Repo } from '../../../src/repo.js';
import { apiSandbox, applyEdits } from '../checks-helpers.js';
import { csv, scenario, yaml, type Row } from '../checks-generators.js';

// In a `--no-checkout` clone whose remote recorded that main passed (`protect` on the remote), a
// check of a branch into origin/main runs incrementally on the remote's record alone and must give
// the verdict and counts of `--full`, over random row-local lakegit.yaml files, tables and edit
// histories (checks-generators.ts). The pushes skip the remote's hooks (removed here to keep each
// case fast): they are pinned, with real servers, in test/cli/remote-check-record.test.ts.

const chunksIn = async (dir: string) => new Set(await fsp.readdir(path.join(dir, '.lakegit', 'chunks')).catch(() => [] as string[]));

describe('checks: a clone checking on the remote record = full (property)', () => {
  const root = apiSandbox('lakegit-recp-');

  it('checks: incremental on the record the remote keeps agrees with --full, and reads none of main’s base chunks', async () => {
    let run = 0;
    let incremental = 0;
    let failing = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ config: c, base, commits, keyless }) => {
        const dir = path.join(root(), `r${run++}`);
        const bare = `${dir}-remote.git`;
        await Repo.initBare(bare);
        await fsp.rm(path.join(bare, 'hooks'), { recursive: true });
        const ann = await Repo.init(dir);
        await fsp.writeFile(path.join(dir, 't.csv'), csv(base));
        await fsp.writeFile(path.join(dir, 'lakegit.yaml'), yaml(c));
        await ann.add({ paths: ['t.csv', 'lakegit.yaml'], cwd: dir, ...(keyless ? { keyless: true } : { key: ['id'] }) });
        await ann.commit({ message: 'base' });
        await ann.addRemote('origin', bare, { cwd: dir });
        await ann.push({ remote: 'origin', branches: ['main'] });
        const remote = await Repo.open(bare);
        await remote.protect('main');
        expect((await remote.recordBranchTip('main'))?.passed).toBe(true);
        const mainChunks = await chunksIn(dir);

        await ann.checkout({ target: 'HEAD', create: 'f' });
        let rows: Row[] = base;
        for (const e of commits) {
          rows = applyEdits(rows, e.edits, e.values);
          await fsp.writeFile(path.join(dir, 't.csv'), csv(rows));
          await ann.commit({ message: 'edit', all: true, noVerify: true, allowEmpty: true });
        }
        await ann.push({ remote: 'origin', branches: ['f'] });

        const ci = path.join(root(), `ci${run}`);
        await Repo.clone(bare, { dir: ci, noCheckout: true, cwd: root() });
        const clone = await Repo.open(ci); // the last opened repository is the one whose reads fetch chunks
        const fast = await clone.check({ rev: 'origin/f', into: 'origin/main' });
        const fetched = [...(await chunksIn(ci))];
        const full = await clone.check({ rev: 'origin/f', into: 'origin/main', full: true });
        const counts = (r: typeof fast) => r.checks.map((x) => ({ check: x.check, passed: x.passed, violations: x.violations }));
        expect(counts(fast)).toEqual(counts(full));
        expect(fast.passed).toBe(full.passed);
        expect(full.checks.every((x) => x.mode === 'full')).toBe(true);
        if (fast.checks.every((x) => x.mode === 'incremental')) {
          incremental++;
          // main's chunks stay on the remote: only what f adds was read.
          expect(fetched.filter((f) => mainChunks.has(f))).toEqual([]);
        }
        if (!full.passed) failing++;
        await Promise.all([dir, bare, ci].map((d) => fsp.rm(d, { recursive: true, force: true })));
      }),
      { numRuns: 6, seed: 20261206 },
    );
    // Worth something only if the record was used and both verdicts were exercised.
    expect(incremental).toBeGreaterThan(4);
    expect(failing).toBeGreaterThan(2);
    expect(failing).toBeLessThan(run);
  }, 300_000);
});
