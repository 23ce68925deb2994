import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/setup/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A git smart-HTTP server (git http-backend) and an S3 server (s3rver) on loopback, for the remote tests.
    globalSetup: ['test/setup/servers.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // Files share worker processes (no new process, module and DuckDB load per file); what a file may
    // leave behind (environment, DuckDB tables) is reset by test/setup/per-file.ts. LAKEGIT_TEST_ISOLATE=1
    // runs each file in a process of its own again.
    isolate: process.env.LAKEGIT_TEST_ISOLATE === '1',
    // cpu-log.ts does nothing unless LAKEGIT_TEST_CPU_LOG=<file>: then it logs the CPU seconds of each
    // test and file, CLI processes included.
    setupFiles: ['test/setup/per-file.ts', 'test/setup/cpu-log.ts'],
    reporters: ['default', './test/setup/slowest-reporter.ts'],
    // The longest files first, so the two workers finish together (test/setup/file-seconds.ts).
    sequence: { sequencer: LongestFirstSequencer },
  },
});
