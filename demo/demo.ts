/**
 * `npm run demo`: builds a small lake in a temporary directory from fixtures/demo and runs real
 * lakegit commands, printing each command and its real output. Exits non-zero if any step
 * does not end as expected, so the test that runs it keeps it from rotting.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'lakegit');
const FIXTURES = path.join(ROOT, 'fixtures', 'demo');

type Step =
  | { say: string }
  | { run: string[]; exit?: number; env?: Record<string, string> }
  | { shell: string; args: string[] }
  | { edit: string; change: (csv: string) => string; say: string };

const authors = {
  ann: { LAKEGIT_AUTHOR_NAME: 'Ann Analyst', LAKEGIT_AUTHOR_EMAIL: 'ann@example.com' },
  bob: { LAKEGIT_AUTHOR_NAME: 'Bob Builder', LAKEGIT_AUTHOR_EMAIL: 'bob@example.com' },
};

/** Replace the CSV line whose first field is `id` (or append it when absent). */
const setRow = (id: number, line: string | null) => (csv: string) => {
  const lines = csv.trimEnd().split('\n');
  const i = lines.findIndex((l) => l.split(',')[0] === String(id));
  if (i < 0 && line) lines.push(line);
  else if (line) lines[i] = line;
  else if (i >= 0) lines.splice(i, 1);
  return `${lines.join('\n')}\n`;
};

export const STEPS: Step[] = [
  { say: 'A folder of data files becomes a versioned lake.' },
  { run: ['init'] },
  { run: ['add', 'orders.csv', '--key', 'id'] },
  { run: ['add', 'customers.csv', '--key', 'id'] },
  { run: ['status'] },
  { run: ['commit', '-m', 'load orders and customers'], env: authors.ann },
  { say: 'Branching copies nothing: a branch is one ref.' },
  { run: ['checkout', '-b', 'fix-amounts'] },
  { edit: 'orders.csv', say: 'fix an amount, remove order 7, add order 41',
    change: (csv) => [
      setRow(3, '3,104,EU,366.31,14,new,2026-02-17 19:00:00'),
      setRow(7, null),
      setRow(41, '41,108,US,99.90,3,new,2026-10-01 09:00:00'),
    ].reduce((t, f) => f(t), csv) },
  { run: ['status'] },
  { run: ['commit', '-am', 'fix amounts, drop a duplicate order'], env: authors.bob },
  { run: ['log', '--oneline'] },
  { run: ['show', 'HEAD'] },
  { run: ['checkout', 'main'] },
  { say: 'Every snapshot is plain Parquet that DuckDB, Polars, Spark or pandas can read in place:' },
  { run: ['files', 'orders@fix-amounts', '--relative'] },
  { say: 'and .lakegit is a real git repository:' },
  { shell: 'git', args: ['--git-dir', '.lakegit', 'log', '--oneline', '--all'] },
  { run: ['fsck'] },
];

function main(): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegit-demo-'));
  for (const f of ['orders.csv', 'customers.csv']) copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  const env = { ...process.env, LAKEGIT_AUTHOR_DATE: process.env.LAKEGIT_AUTHOR_DATE ?? '', ...authors.ann };
  if (!env.LAKEGIT_AUTHOR_DATE) delete (env as Record<string, string | undefined>).LAKEGIT_AUTHOR_DATE;
  process.stdout.write(`demo lake: ${dir}\n`);
  try {
    for (const step of STEPS) {
      if ('say' in step && !('edit' in step)) {
        process.stdout.write(`\n# ${step.say}\n`);
      } else if ('edit' in step) {
        process.stdout.write(`\n# edit ${step.edit}: ${step.say}\n`);
        const file = path.join(dir, step.edit);
        writeFileSync(file, step.change(readFileSync(file, 'utf8')));
      } else {
        const [cmd, args, shown] = 'run' in step
          ? [process.execPath, [BIN, ...step.run], `lakegit ${step.run.map(quote).join(' ')}`]
          : [step.shell, step.args, `${step.shell} ${step.args.map(quote).join(' ')}`];
        process.stdout.write(`\n$ ${shown}\n`);
        const r = spawnSync(cmd, args, { cwd: dir, env: { ...env, ...('env' in step ? step.env : {}) }, encoding: 'utf8' });
        process.stdout.write(r.stdout);
        process.stdout.write(r.stderr);
        const expected = 'exit' in step && step.exit !== undefined ? step.exit : 0;
        if (r.status !== expected) {
          process.stderr.write(`demo: '${shown}' exited ${r.status}, expected ${expected}\n`);
          return 1;
        }
      }
    }
    process.stdout.write('\ndemo finished: every command above ran for real.\n');
    return 0;
  } finally {
    if (!process.env.LAKEGIT_DEMO_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

const quote = (a: string) => (/^[\w@./~^=:,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

process.exitCode = main();
