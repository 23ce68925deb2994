import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { FILE_SECONDS } from './file-seconds.js';

/**
 * Longest file first. The suite's files are queued to its two workers in the sequencer's order, each
 * worker taking the next file when it finishes one; vitest's own order on a clean clone (no timing
 * cache, as in CI) is by file size, which put a 36-second file last and left one worker idle while
 * it ran. Here the order comes from measured costs (file-seconds.ts), the same on every machine.
 * Files with no measurement (new ones) go first, as vitest does with files it has not timed: their
 * cost is unknown and an early start cannot leave the other worker waiting at the end.
 */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const cost = (f: TestSpecification) => FILE_SECONDS[f.moduleId.slice(root.length + 1)] ?? Infinity;
    return [...files].sort((a, b) => cost(b) - cost(a) || a.moduleId.localeCompare(b.moduleId));
  }
}
