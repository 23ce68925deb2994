import { appendFileSync, readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';

/**
 * Opt-in (LAKEGIT_TEST_CPU_LOG=<file>): one line per test and per file with the CPU seconds of the
 * worker and of the CLI processes it waited for (/proc/self/stat: utime, stime, cutime, cstime), and
 * how many CLI processes it started (a test's line ends with whether it passed). A file's line: the worker's totals so far (its start-up and module
 * loads included), then the file's own share.
 */
const log = process.env.LAKEGIT_TEST_CPU_LOG;
const tick = 100;
function cpu(): { self: number; children: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // fields after "(comm) ": state=0 ... utime=11 stime=12 cutime=13 cstime=14
  return { self: (Number(f[11]) + Number(f[12])) / tick, children: (Number(f[13]) + Number(f[14])) / tick };
}
const counter = ((globalThis as { __lakegitSpawns?: { n: number } }).__lakegitSpawns ??= { n: 0 });
if (log && !(globalThis as { __lakegitSpawnsHooked?: boolean }).__lakegitSpawnsHooked) {
  // Count the CLI processes started (execFile / spawn of bin/lakegit), wherever a test starts them;
  // once per worker (with isolate: false this file runs again before every test file).
  (globalThis as { __lakegitSpawnsHooked?: boolean }).__lakegitSpawnsHooked = true;
  const cp = createRequire(import.meta.url)('node:child_process') as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['execFile', 'spawn']) {
    const original = cp[name];
    cp[name] = function (this: unknown, ...a: unknown[]) {
      if (Array.isArray(a[1]) && a[1].some((x) => typeof x === 'string' && x.endsWith('bin/lakegit'))) counter.n++;
      return original.apply(this, a);
    };
  }
  syncBuiltinESMExports();
}
if (log) {
  let t0 = cpu();
  let w0 = Date.now();
  let s0 = 0;
  const start = cpu();
  const spawnsAtStart = counter.n;
  beforeEach(() => {
    t0 = cpu();
    w0 = Date.now();
    s0 = counter.n;
  });
  afterEach(({ task }) => {
    const t = cpu();
    const failed = task.result?.state === 'fail'; // set before the afterEach hooks run
    const name = expect.getState().currentTestName ?? '?';
    const file = expect.getState().testPath?.replace(/^.*\/test\//, 'test/') ?? '?';
    appendFileSync(
      log,
      `test\t${file}\t${(t.self - t0.self).toFixed(2)}\t${(t.children - t0.children).toFixed(2)}\t${((Date.now() - w0) / 1000).toFixed(2)}\t${counter.n - s0}\t${name}\t${failed ? 'failed' : 'passed'}\n`,
    );
  });
  afterAll(() => {
    const t = cpu();
    const file = expect.getState().testPath?.replace(/^.*\/test\//, 'test/') ?? '?';
    appendFileSync(
      log,
      `file\t${file}\t${t.self.toFixed(2)}\t${t.children.toFixed(2)}\t${(t.self - start.self).toFixed(2)}\t${(t.children - start.children).toFixed(2)}\t${counter.n - spawnsAtStart}\n`,
    );
  });
}
