import type { CheckReport } from '../../index.js';

// GitHub workflow commands: data escapes %, CR and LF; properties also ':' and ','.
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One `::error` annotation per failing check, pointing at its line in lakegit.yaml. */
export function renderCheckGithub(r: CheckReport): string {
  const lines: string[] = [];
  for (const c of r.checks.filter((x) => !x.passed)) {
    const props = [
      `file=lakegit.yaml`,
      ...(c.line ? [`line=${c.line}`] : []),
      `title=${prop(`lakegit check: ${c.table ?? (c.kind === 'policy' ? 'policy' : 'hook')} ${c.check}`)}`,
    ];
    const sample = c.sample
      .slice(0, 3)
      .map((row) => JSON.stringify(row))
      .join('\n');
    const blame = (c.introducedBy ?? [])
      .map((b) => `${JSON.stringify(b.key)} introduced by ${b.commit ?? '(not committed)'} ${b.author}`)
      .join('\n');
    const text = [
      `${c.table ? `${c.table}: ` : c.kind === 'policy' ? '' : 'hook '}${c.check} failed with ${c.violations} violation(s)${c.message ? ` (${c.message})` : ''}`,
      sample,
      blame,
    ]
      .filter(Boolean)
      .join('\n');
    lines.push(`::error ${props.join(',')}::${data(text)}`);
  }
  return lines.join('\n');
}
