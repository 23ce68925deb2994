/**
 * Verification above merge and commit: the gates every write path calls (installed into
 * ../gates.ts by the API layer) and the `check` verb, which may preview a merge.
 */
export { gates } from './gates.js';
export { check, type CheckOptions } from './check.js';
