import type { JsonRow, CheckReport, CheckResult } from '../../index.js';
import { paint, shortId } from './color.js';

const cell = (v: unknown): string => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Sample rows as an aligned table, indented under their check. */
export function sampleTable(rows: JsonRow[], indent = '      '): string[] {
  if (!rows.length) return [];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const body = rows.map((r) => columns.map((c) => cell(r[c])));
  const width = columns.map((c, i) => Math.max(c.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `${indent}${cells.map((x, i) => x.padEnd(width[i])).join('  ')}`.trimEnd();
  return [paint.dim(line(columns)), ...body.map(line)];
}

function renderCheck(c: CheckResult): string[] {
  const mark = c.passed ? paint.green('✓') : paint.red('✗');
  const where = c.table ?? (c.kind === 'policy' ? 'policy' : 'hook');
  const count = c.passed ? '' : `  ${paint.red(`${c.violations} violation(s)`)}`;
  const lines = [`${mark} ${where}  ${c.check}${count}  ${paint.dim(`[${c.mode}]`)}`];
  if (c.message) lines.push(`    ${c.passed ? c.message : paint.red(c.message)}`);
  if (!c.passed) lines.push(...sampleTable(c.sample));
  for (const b of c.introducedBy ?? []) {
    const who = b.commit
      ? `${paint.yellow(shortId(b.commit))} ${b.author}${b.date ? ` ${b.date}` : ''}  ${b.message ?? ''}`
      : (b.message ?? 'not committed yet');
    lines.push(`      ${JSON.stringify(b.key)} introduced by ${who}`.trimEnd());
  }
  if (c.kind === 'hook' && c.output && !c.passed)
    lines.push(
      ...c.output
        .trimEnd()
        .split('\n')
        .map((l) => `    | ${l}`),
    );
  return lines;
}

/** The text report, rendered from the same object `--format json` prints. */
export function renderCheckText(r: CheckReport): string {
  const into = r.into ? ` merged into ${r.into}${r.target ? ` (${shortId(r.target)})` : ''}` : '';
  const lines = [`Checks of ${r.config} on ${r.rev ? shortId(r.rev) : 'the index'}${into}`];
  if (!r.checks.length) lines.push('  no checks or hooks apply');
  for (const c of r.checks) lines.push(...renderCheck(c));
  const failed = r.checks.filter((c) => !c.passed).length;
  lines.push(failed ? paint.red(`${failed} of ${r.checks.length} check(s) failed`) : paint.green(`all ${r.checks.length} check(s) passed`));
  return lines.join('\n');
}
