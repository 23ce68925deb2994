import { timedRecord, type Bench, type Emit } from '../context.js';
import type { History } from '../history.js';
import { git, lakegit, paired, type ProcResult } from '../proc.js';

const LIMIT_S = 0.15;

interface Quick {
  figure: string;
  label: string;
  lakegit: (i: number) => Promise<ProcResult>;
  git: (i: number) => Promise<ProcResult>;
}

function quickVerbs(h: History): Quick[] {
  const status = {
    label: 'git status on the csv history',
    lakegit: () => lakegit(h.lake, ['status']),
    git: () => git(h.gitcsv, ['status']),
  };
  return [
    {
      figure: 'branch',
      label: 'git branch <name> on the csv history',
      lakegit: (i) => lakegit(h.lake, ['branch', `bench-quick-${i}`]),
      git: (i) => git(h.gitcsv, ['branch', `bench-quick-${i}`]),
    },
    {
      figure: 'log-n20',
      label: 'git log -n 20 on the csv history',
      lakegit: () => lakegit(h.lake, ['log', '-n', '20']),
      git: () => git(h.gitcsv, ['log', '-n', '20']),
    },
    { figure: 'status-clean', ...status },
    { figure: 'status-after-checkout', ...status },
  ];
}

/**
 * `branch`, `log -n 20` and `status` on a clean tree: an absolute goal (< 150 ms at any N). The same
 * verb of git on the CSV history is shown beside each for scale; it is not the goal.
 */
export async function quickFigures(bench: Bench, h: History, want: (f: string) => boolean, emit: Emit): Promise<void> {
  const runs = Math.max(5, bench.opts.runs);
  await assertClean(h);
  for (const q of quickVerbs(h).filter((x) => want(x.figure))) {
    const [lg, base] = await paired(runs, q.lakegit, q.git);
    emit(
      timedRecord(bench, {
        figure: q.figure,
        lg,
        base,
        baseline: q.label,
        goal: '< 0.150 s',
        met: lg.median < LIMIT_S,
        pattern: h.pattern,
        note: `slowest run ${Math.max(...lg.all).toFixed(3)} s; ${h.commits + 1} commits of history`,
      }),
    );
    if (q.figure === 'branch') {
      for (let i = 0; i < runs; i++) {
        await lakegit(h.lake, ['branch', '-D', `bench-quick-${i}`]);
        await git(h.gitcsv, ['branch', '-D', `bench-quick-${i}`]);
      }
    }
  }
}

/** The figures are about a clean tree: fail loudly rather than time a status that found changes. */
async function assertClean(h: History): Promise<void> {
  const r = await lakegit(h.lake, ['status', '--json']);
  const s = JSON.parse(r.stdout) as { tables: { table: string; staged: Record<string, number>; unstaged: Record<string, number> }[] };
  const dirty = s.tables.filter((t) => [...Object.values(t.staged), ...Object.values(t.unstaged)].some((n) => n !== 0));
  if (dirty.length) throw new Error(`status: the tree is not clean (${dirty.map((t) => t.table).join(', ')})`);
}
