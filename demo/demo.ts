/**
 * `npm run demo`: builds a small lake in a temporary directory from fixtures/demo and runs real
 * lakegit commands, printing each command and its real output. Exits non-zero if any step
 * does not end as expected, so the test that runs it keeps it from rotting.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'lakegit');
const FIXTURES = path.join(ROOT, 'fixtures', 'demo');

/** Where a step runs: the demo lake (default), or a folder under the team directory (`team`, `team/bob`). */
type Where = { in?: string };
type Step =
  | { say: string }
  | ({ run: string[]; exit?: number; env?: Record<string, string> } & Where)
  | ({ shell: string; args: string[]; pipe?: string[] } & Where)
  | ({ edit: string; change: (csv: string) => string; say: string } & Where);

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

const CHECKS = `checks:
  orders:
    not_null: [id, customer_id, amount]
    range: { amount: { min: 0 } }
    accepted_values: { status: [new, paid, shipped, cancelled] }
`;

export const STEPS: Step[] = [
  { say: 'A folder of data files becomes a versioned lake.' },
  { run: ['init'] },
  { run: ['add', 'orders.csv', '--key', 'id'] },
  { run: ['add', 'customers.csv', '--key', 'id'] },
  { run: ['status'] },
  { run: ['commit', '-m', 'load orders and customers'], env: authors.ann },
  { edit: 'lakegit.yaml', say: 'declare the checks that guard main', change: () => CHECKS },
  { run: ['add', 'lakegit.yaml'] },
  { run: ['commit', '-m', 'checks for orders'], env: authors.ann },
  { say: 'Branching copies nothing: a branch is one ref.' },
  { run: ['checkout', '-b', 'fix-amounts'] },
  {
    edit: 'orders.csv',
    say: 'fix an amount, remove order 7, add order 41',
    change: (csv) =>
      [
        setRow(3, '3,104,EU,366.31,14,new,2026-02-17 19:00:00'),
        setRow(7, null),
        setRow(41, '41,108,US,99.90,3,new,2026-10-01 09:00:00'),
      ].reduce((t, f) => f(t), csv),
  },
  { run: ['status'] },
  { run: ['commit', '-am', 'fix amounts, drop a duplicate order'], env: authors.bob },
  { run: ['log', '--oneline'] },
  { say: 'Differences are rows and cells, not lines:' },
  { run: ['diff', 'main', 'fix-amounts'] },
  { run: ['blame', 'orders@fix-amounts', '--where', 'id IN (1, 3, 41)'] },
  { say: 'A nightly load on its own branch brings a bad row; its pipeline skipped the checks.' },
  { run: ['checkout', '-b', 'nightly', 'main'] },
  { edit: 'orders.csv', say: 'append order 42 with a negative amount', change: setRow(42, '42,103,EU,-5.00,1,paid,2026-11-01 08:00:00') },
  { run: ['commit', '-am', 'nightly load', '--no-verify'], env: authors.bob },
  { say: "CI asks what a merge into main would face: main's checks, and who brought each bad row." },
  { run: ['check', '--into', 'main', '--blame'], exit: 1 },
  { run: ['checkout', 'main'] },
  { run: ['merge', 'nightly'], exit: 1 },
  { say: 'Fix the row on the branch, and the merge goes through.' },
  { run: ['checkout', 'nightly'] },
  { edit: 'orders.csv', say: 'order 42 costs 5.00, not -5.00', change: setRow(42, '42,103,EU,5.00,1,paid,2026-11-01 08:00:00') },
  { run: ['commit', '-am', 'fix the sign of order 42'], env: authors.bob },
  { run: ['checkout', 'main'] },
  { run: ['merge', 'nightly'], env: authors.ann },
  { run: ['merge', 'fix-amounts', '-m', 'merge fix-amounts'], env: authors.ann },
  { say: 'Undo the merge of fix-amounts: revert makes a new commit with the opposite row changes.' },
  { run: ['revert', 'HEAD', '--mainline', '1'], env: authors.ann },
  { run: ['log', '--oneline'] },
  { say: 'Time travel: any table at any revision is a view.' },
  { run: ['sql', 'select count(*) as orders, sum(amount) as total from orders@HEAD~3'] },
  { run: ['sql', 'select id, amount from orders except select id, amount from orders@HEAD~3 order by id'] },
  { say: 'Every snapshot is plain Parquet that DuckDB, Polars, Spark or pandas can read in place:' },
  { run: ['files', 'orders@fix-amounts', '--relative'] },
  { pipe: ['files', 'orders@main'], shell: process.execPath, args: [path.join(ROOT, 'dist', 'demo', 'read-in-place.js')] },
  { say: 'and .lakegit is a real git repository:' },
  { shell: 'git', args: ['--git-dir', '.lakegit', 'log', '--oneline', '--graph', 'main'] },
  { run: ['fsck'] },
];

/**
 * A team around a remote: a bare repository whose `main` is protected where it lives, a clone for
 * Bob, a push the remote refuses, and a pull. `{team}` is the team folder's absolute path.
 */
export const TEAM_STEPS: Step[] = [
  { say: 'A team shares the lake through a remote: a bare repository (here a folder; any git host works).' },
  { run: ['init', '--bare', 'remote.git'], in: 'team' },
  { run: ['remote', 'add', 'origin', '{team}/remote.git'] },
  { run: ['push', '-u', 'origin', 'main'] },
  { say: "Whoever runs the remote protects main there; no clone's settings can undo it." },
  { run: ['-C', '{team}/remote.git', 'protect', 'main'], in: 'team' },
  { run: ['clone', '{team}/remote.git', 'bob'], in: 'team', env: authors.bob },
  {
    edit: 'orders.csv',
    in: 'team/bob',
    say: 'Bob appends order 43 with a negative amount',
    change: setRow(43, '43,101,US,-12.00,1,new,2026-11-02 08:00:00'),
  },
  { run: ['commit', '-am', 'quick fix', '--no-verify'], in: 'team/bob', env: authors.bob },
  { say: "The remote runs main's committed checks on the push and refuses it, with the report:" },
  { run: ['push'], in: 'team/bob', exit: 1, env: authors.bob },
  { edit: 'orders.csv', in: 'team/bob', say: 'order 43 costs 12.00', change: setRow(43, '43,101,US,12.00,1,new,2026-11-02 08:00:00') },
  { run: ['commit', '-am', 'fix the sign of order 43'], in: 'team/bob', env: authors.bob },
  { run: ['push'], in: 'team/bob', env: authors.bob },
  { say: "Ann pulls Bob's work:" },
  { run: ['pull'], env: authors.ann },
  { run: ['log', '--oneline', '-n', '3'] },
];

function main(): number {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegit-demo-'));
  for (const f of ['orders.csv', 'customers.csv']) copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  const env = { ...process.env, LAKEGIT_AUTHOR_DATE: process.env.LAKEGIT_AUTHOR_DATE ?? '', ...authors.ann };
  if (!env.LAKEGIT_AUTHOR_DATE) delete (env as Record<string, string | undefined>).LAKEGIT_AUTHOR_DATE;
  const team = mkdtempSync(path.join(os.tmpdir(), 'lakegit-demo-team-'));
  const at = (step: Step) => ('in' in step && step.in ? path.join(team, step.in.replace(/^team\/?/, '')) : dir);
  const fill = (args: string[]) => args.map((a) => a.replaceAll('{team}', team));
  process.stdout.write(`demo lake: ${dir}\n`);
  const steps = [...STEPS, ...TEAM_STEPS];
  try {
    for (const step of steps) {
      if ('say' in step && !('edit' in step)) {
        process.stdout.write(`\n# ${step.say}\n`);
      } else if ('edit' in step) {
        process.stdout.write(`\n# edit ${step.edit}: ${step.say}\n`);
        const file = path.join(at(step), step.edit);
        writeFileSync(file, step.change(existsSync(file) ? readFileSync(file, 'utf8') : ''));
      } else {
        const [cmd, args, shown] =
          'run' in step
            ? [process.execPath, [BIN, ...fill(step.run)], `lakegit ${step.run.map(quote).join(' ')}`]
            : [
                step.shell,
                step.args,
                `${step.pipe ? `lakegit ${step.pipe.join(' ')} | ` : ''}${path.basename(step.shell)} ${step.args.map((a) => quote(path.basename(a))).join(' ')}`,
              ];
        process.stdout.write(`\n$ ${shown}\n`);
        const piped =
          'pipe' in step && step.pipe
            ? spawnSync(process.execPath, [BIN, ...step.pipe], { cwd: dir, env, encoding: 'utf8' }).stdout
            : undefined;
        const r = spawnSync(cmd, args, {
          cwd: at(step),
          env: { ...env, ...('env' in step ? step.env : {}) },
          encoding: 'utf8',
          input: piped,
        });
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
    if (!process.env.LAKEGIT_DEMO_KEEP) for (const d of [dir, team]) rmSync(d, { recursive: true, force: true });
  }
}

const quote = (a: string) => (/^[\w@./~^=:,{}-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

process.exitCode = main();
