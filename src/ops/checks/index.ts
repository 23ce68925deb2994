import { registerCommitGate, registerMergeGate, registerRefGate } from '../gates.js';
import { commitGate, mergeGate, refGate } from './gate.js';

/**
 * Importing this module (src/repo.ts does) puts lakegit.yaml's checks and hooks, and branch
 * protection, on every path by which rows land on a branch.
 */
registerCommitGate(commitGate);
registerMergeGate(mergeGate);
registerRefGate(refGate);

export { check, type CheckOptions } from './check.js';
export type { CheckReport, CheckResult, Introducer } from './report.js';
export { parseChecksConfig, type ChecksConfig, type CheckSpec } from './config.js';
