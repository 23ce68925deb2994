import type { CheckReport, CheckResult } from '../../index.js';

// Characters XML 1.0 cannot hold at all are dropped; the rest are escaped.
// eslint-disable-next-line no-control-regex
const INVALID = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
export const xml = (s: string): string =>
  s.replace(INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function testcase(c: CheckResult): string {
  const name = `name="${xml(c.check)}" classname="${xml(c.table ? `lakegit.${c.table}` : 'lakegit.hooks')}"`;
  const out = c.output ? `\n      <system-out>${xml(c.output)}</system-out>` : '';
  if (c.passed) return `    <testcase ${name} time="0">${out ? `${out}\n    ` : ''}</testcase>`;
  const detail = [
    c.message ?? '',
    ...c.sample.map((row) => JSON.stringify(row)),
    ...(c.introducedBy ?? []).map((b) => `${JSON.stringify(b.key)} introduced by ${b.commit ?? '(not committed)'} ${b.author}`),
  ]
    .filter(Boolean)
    .join('\n');
  const message = `${c.violations} violation(s)${c.message ? `: ${c.message}` : ''}`;
  return `    <testcase ${name} time="0">
      <failure message="${xml(message)}" type="${xml(c.kind)}">${xml(detail)}</failure>${out}
    </testcase>`;
}

/** JUnit XML: one <testcase> per check, a <failure> with the sample rows for each failing one. */
export function renderCheckJunit(r: CheckReport): string {
  const failures = r.checks.filter((c) => !c.passed).length;
  const attrs = `tests="${r.checks.length}" failures="${failures}" errors="0"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="lakegit check" ${attrs}>`,
    `  <testsuite name="${xml(r.config)}${r.into ? ` into ${xml(r.into)}` : ''}" ${attrs} skipped="0">`,
    ...r.checks.map(testcase),
    '  </testsuite>',
    '</testsuites>',
  ].join('\n');
}
