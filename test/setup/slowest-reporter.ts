import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the slowest test files after the run. CI shows the tail of the output, so this is where the
 * suite's time budget (well under 10 minutes) is watched from one run to the next.
 */
export default class SlowestFilesReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows = testModules
      .map((m) => ({ file: m.relativeModuleId, seconds: m.diagnostic().duration / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
    const total = rows.reduce((sum, r) => sum + r.seconds, 0);
    const lines = rows.slice(0, 15).map((r) => `${r.seconds.toFixed(1).padStart(8)} s  ${r.file}`);
    console.log(`\nSlowest test files (of ${total.toFixed(0)} s of test-file time):\n${lines.join('\n')}\n`);
  }
}
