import type { GateReport } from '../../index.js';
import { paint } from './color.js';

export const anyFailed = (gates: readonly GateReport[]): boolean => gates.some((g) => !g.passed);

/** A checks gate that had no check to run (no lakegit.yaml, or one without rules): nothing to tell a reader. */
const empty = (g: GateReport): boolean => g.gate === 'checks' && g.passed && g.report?.checks.length === 0;

/** One line per gate that did something: ✓/✗ and its summary (`--json` keeps every gate). */
export const gateLines = (gates: readonly GateReport[]): string[] =>
  gates.filter((g) => !empty(g)).map((g) => `${g.passed ? paint.green('✓') : paint.red('✗')} ${g.summary}`);

/** Why the failed gates refused: each one's full account and what to do (printed on stderr). */
export function renderRefusal(gates: readonly GateReport[]): string {
  const lines: string[] = [];
  for (const g of gates.filter((x) => !x.passed)) {
    lines.push(g.message ?? g.summary);
    if (g.hint) lines.push(`hint: ${g.hint}`);
  }
  return lines.join('\n');
}
