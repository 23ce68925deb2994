import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

describe('demo', () => {
  it('demo: npm run demo runs every step for real and finishes', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'dist', 'demo', 'demo.js')],
        { env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 },
        (e, stdout, stderr) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(stderr).not.toContain('demo: ');
    expect(code).toBe(0);
    expect(stdout).toContain('$ lakegit commit -am');
    expect(stdout).toMatch(/orders \(orders\.csv\)\s+\+1 ~1 -1/);
    expect(stdout).toMatch(/introduced by \w+ Bob Builder/); // check --into main --blame
    expect(stdout).toContain("merge of 'nightly' into 'main' refused");
    expect(stdout).toContain('Revert "merge fix-amounts"');
    expect(stdout).toMatch(/\[\{"orders":"41"/); // DuckDB alone read the chunks
    expect(stdout).toContain('demo finished');
    // The team part: clone, a push the remote's protection refuses, a pull.
    expect(stdout).toContain("fails the checks of protected branch 'main'");
    expect(stdout).toContain('fix the sign of order 43');
  }, 180_000);
});
