import type { JsonRow } from '../../engine/db.js';
import type { CheckKind } from './config.js';

/** Who introduced a violating row (`--blame`). */
export interface Introducer {
  key: JsonRow;
  commit: string | null;
  author: string;
  date?: string;
  message?: string;
}

export type CheckMode = 'full' | 'incremental';
export type CheckEvent = 'check' | 'pre-commit' | 'pre-merge';

/** One check's outcome, in the contract's `check --format json` shape plus a few fields of ours. */
export interface CheckResult {
  table: string | null; // null for hooks
  check: string; // `<kind>(<columns>)`, the sql rule's name, or the hook's name
  kind: CheckKind | 'hook' | 'exists' | 'policy'; // policy: a merge that changes a protected branch's checks
  passed: boolean;
  violations: number;
  sample: JsonRow[]; // at most SAMPLE_SIZE rows, with their keys
  mode: CheckMode;
  line?: number; // in lakegit.yaml
  message?: string;
  output?: string; // a hook's stdout and stderr
  introducedBy?: Introducer[];
}

export interface CheckReport {
  rev: string | null; // the candidate: a commit id, or null for uncommitted rows
  event: CheckEvent;
  config: string; // where lakegit.yaml came from, e.g. "lakegit.yaml at main"
  target?: string; // the commit the candidate is compared with (merge target or parent)
  into?: string; // the target branch, for merges
  passed: boolean;
  checks: CheckResult[];
}

export const SAMPLE_SIZE = 10;

const short = (oid: string | null | undefined) => (oid ? oid.slice(0, 7) : 'the index');

/**
 * A plain-text account of the failures, for the error a refused commit or merge prints: every
 * failing check by name, its count and first sample rows.
 */
export function failureSummary(r: CheckReport, what: string): string {
  const failed = r.checks.filter((c) => !c.passed);
  const lines = [`${what}: ${failed.length} of ${r.checks.length} check(s) of ${r.config} failed`];
  for (const c of failed) {
    const where = c.table ? `${c.table}: ` : c.kind === 'policy' ? '' : 'hook ';
    lines.push(`  ✗ ${where}${c.check} — ${c.violations} violation(s)${c.message ? ` (${c.message})` : ''}`);
    for (const row of c.sample.slice(0, 3)) lines.push(`      ${JSON.stringify(row)}`);
    if (c.kind === 'hook' && c.output)
      lines.push(
        ...c.output
          .trimEnd()
          .split('\n')
          .slice(-5)
          .map((l) => `      | ${l}`),
      );
  }
  lines.push(`(candidate ${short(r.rev)}${r.target ? `, target ${short(r.target)}` : ''})`);
  return lines.join('\n');
}
