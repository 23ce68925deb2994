import type { CheckReport, CheckResult } from '../../index.js';
import { mdCell, mdTable } from './markdown.js';

/** Violating rows shown per failing check; the count says how many there are in all. */
const SAMPLE_ROWS = 5;

/** `check --format markdown`: a summary table of every check, then each failure's sample rows, for a pull-request comment. */
export function renderCheckMarkdown(r: CheckReport): string {
  const failed = r.checks.filter((c) => !c.passed);
  const verdict = r.passed ? '✅ all checks passed' : `❌ ${failed.length} of ${r.checks.length} check(s) failed`;
  const into = r.into ? ` merged into \`${r.into}\`` : '';
  const lines = [`### lakegit check: ${verdict}`, '', `Checks of ${r.config} on \`${r.rev ? r.rev.slice(0, 7) : 'the index'}\`${into}.`];
  if (!r.checks.length) return [...lines, '', 'No checks or hooks apply.'].join('\n');
  lines.push(
    '',
    mdTable(
      ['', 'table', 'check', 'violations'],
      r.checks.map((c) => [c.passed ? '✅' : '❌', mdCell(c.table ?? 'hook'), mdCell(c.check), c.passed ? '0' : String(c.violations)]),
    ),
  );
  for (const c of failed) lines.push(...failure(c));
  return lines.join('\n');
}

function failure(c: CheckResult): string[] {
  const out = ['', `#### ❌ \`${c.table ?? 'hook'}\` ${mdCell(c.check)}: ${c.violations} violation(s)`];
  if (c.message) out.push('', mdCell(c.message));
  const sample = c.sample.slice(0, SAMPLE_ROWS);
  if (sample.length) {
    const columns = [...new Set(sample.flatMap((row) => Object.keys(row)))];
    out.push(
      '',
      mdTable(
        columns.map((n) => mdCell(n)),
        sample.map((row) => columns.map((n) => mdCell(row[n]))),
      ),
    );
  }
  if (c.violations > sample.length) out.push('', `*… and ${c.violations - sample.length} more violating row(s) not shown.*`);
  for (const b of c.introducedBy ?? []) {
    out.push(
      `- \`${JSON.stringify(b.key)}\` introduced by ${b.commit ? `\`${b.commit.slice(0, 7)}\` ${b.author ?? ''}` : 'uncommitted rows'}`,
    );
  }
  return out;
}
