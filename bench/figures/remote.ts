import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ratioOf, timedRecord, type Bench, type Emit, type FigureModule } from '../context.js';
import { dirBytes } from '../fsstat.js';
import { ROW_LOCAL_CONFIG } from './checks.js';
import { git, paired, Runs, runProcess, ROOT, type ProcResult } from '../proc.js';
import {
  chunkBytes,
  chunksOf,
  commitChanges,
  commitsBetween,
  lg,
  openWorld,
  progress,
  revParse,
  type RemoteWorld,
} from '../remote-setup.js';

const FIGURES = [
  'remote-clone',
  'remote-clone-vs-git',
  'remote-clone-bytes-vs-git',
  'remote-push-100',
  'remote-fetch-20',
  'remote-check-bytes',
];
/** Commits of the remote's history before the clone that fetches: their folded-away change chunks are what a fetch must not move. */
const BEFORE = 10;
const PUSH_ROWS = 100;
const S3_BASELINE = path.join(ROOT, 'dist', 'bench', 's3-baseline.js');

interface Transfer {
  chunks: number;
  bytes: number;
}
const json = <T>(r: ProcResult): T => JSON.parse(r.stdout) as T;
const chunkIds = async (repo: string) =>
  new Set(
    (await fsp.readdir(path.join(repo, '.lakegit', 'chunks'))).filter((f) => /^[0-9a-f]{64}\.parquet$/.test(f)).map((f) => f.slice(0, 64)),
  );

/**
 * Issue 12: remotes over loopback servers (s3rver for the chunks, `git http-backend` for the graph),
 * process against process. The remote starts at the history's commit C (BEFORE commits after the
 * load), a user's clone is taken there, then the remote gets the C commits that follow.
 */
export const remote: FigureModule = {
  name: 'remote',
  figures: () => FIGURES,
  async run(bench, want, emit) {
    if (!FIGURES.some(want)) return;
    const o = bench.opts;
    const h = await bench.history(
      o.patterns[0],
      o.commits + BEFORE,
      o.changes,
      !want('remote-clone-vs-git') && !want('remote-clone-bytes-vs-git'),
    );
    const w = await openWorld(bench, h);
    try {
      const tip = await revParse(w.src, 'HEAD');
      const base = await revParse(w.src, `HEAD~${o.commits}`);
      const gitDir = ['--git-dir', path.join(w.src, '.lakegit')];
      await git(w.src, [...gitDir, 'update-ref', 'refs/heads/main', base]);
      const first = json<Transfer>(await lg(w, w.src, ['push', '-u', 'origin', 'main', '--json']));
      progress(`remote: first push ${first.chunks} chunks, ${first.bytes} bytes`);
      const cloneBase = path.join(w.root, 'clone-base');
      await lg(w, w.root, ['clone', w.url, cloneBase]);
      // Two clones at base: as `clone` leaves it (HEAD's chunks), and one that then fetched every chunk its history names.
      const clonePartial = path.join(w.root, 'clone-partial');
      await fsp.cp(cloneBase, clonePartial, { recursive: true });
      await lg(w, cloneBase, ['fetch', '--all-chunks']);
      await git(w.src, [...gitDir, 'update-ref', 'refs/heads/main', tip]);
      const pushed = await lg(w, w.src, ['push', '--json']);
      progress(`remote: push of ${o.commits} commits in ${pushed.seconds.toFixed(2)} s: ${JSON.stringify(json<Transfer>(pushed))}`);
      const tableBytes = await chunkBytes(w.src, await chunksOf(w.src, tip));
      if (want('remote-fetch-20')) await fetchFigure(bench, w, { full: cloneBase, partial: clonePartial }, base, tip, emit);
      if (want('remote-clone')) await cloneFigure(bench, w, tip, tableBytes, emit);
      if (want('remote-clone-vs-git') || want('remote-clone-bytes-vs-git')) await gitCloneFigures(bench, w, want, emit);
      if (want('remote-check-bytes')) await checkFigure(bench, w, tableBytes, emit);
      if (want('remote-push-100')) await pushFigure(bench, w, tableBytes, emit);
    } finally {
      await w.close();
      await bench.gen.dropTable(w.table);
    }
  },
};

/**
 * `fetch --all-chunks` of the C commits up to `tip` in a clone at `base` that holds its history's
 * chunks (cloned, then `fetch --all-chunks`): which chunks move, and how long. Once before, the
 * same fetch in a clone as `clone` leaves it (HEAD's chunks only): there `--all-chunks` also fetches
 * the older commits' chunks the clone never read (spec: "every chunk the fetched history reaches"),
 * counted in the note.
 */
async function fetchFigure(
  bench: Bench,
  w: RemoteWorld,
  clones: { full: string; partial: string },
  base: string,
  tip: string,
  emit: Emit,
): Promise<void> {
  const fetched = await commitsBetween(w.src, base, tip);
  const theirs = new Set<string>();
  const have = await chunkIds(clones.full);
  for (const c of fetched) for (const id of await chunksOf(w.src, c)) if (!have.has(id)) theirs.add(id);
  const partialHave = await chunkIds(clones.partial);
  const older = new Set<string>();
  for (const c of await commitsBetween(w.src, `${base}~${BEFORE}`, base))
    for (const id of await chunksOf(w.src, c)) if (!partialHave.has(id)) older.add(id);
  const partial = await movedBy(w, clones.partial, 'partial');
  const cloneBase = clones.full;
  const runs = new Runs();
  let moved = new Set<string>();
  let bytes = 0;
  for (let i = 0; i < bench.opts.runs; i++) {
    const r = await movedBy(w, cloneBase, String(i));
    runs.add(r.proc);
    [moved, bytes] = [r.moved, r.bytes];
  }
  const extra = [...moved].filter((id) => !theirs.has(id));
  const lacking = [...theirs].filter((id) => !moved.has(id));
  const partialExtra = [...partial.moved].filter((id) => !theirs.has(id));
  const s = runs.sample;
  const limit = 2;
  emit({
    figure: 'remote-fetch-20',
    lakegit_s: s.median,
    baseline: `limit ${limit} s (no baseline process)`,
    baseline_s: limit,
    ratio: ratioOf(s.median, limit),
    goal: `only the fetched commits' chunks; < ${limit} s at 10M`,
    met: extra.length === 0 && lacking.length === 0 && s.median < limit,
    lakegit_peak_mib: s.peakMiB,
    lakegit_cpu_s: s.cpuMedian,
    rows: bench.opts.rows,
    pattern: w.h.pattern,
    runs: bench.opts.runs,
    note:
      `${fetched.length} commits of ${bench.opts.changes} rows; moved ${moved.size} chunks (${bytes} bytes); ` +
      `the fetched commits name ${theirs.size} chunks the clone lacked; extra ${extra.length}, not moved ${lacking.length}. ` +
      `In a clone holding HEAD's chunks only: moved ${partial.moved.size} (${partial.bytes} bytes) in ${partial.proc.seconds.toFixed(2)} s, ` +
      `${partialExtra.length} of them not the fetched commits' (${partialExtra.filter((id) => older.has(id)).length} named by the ${BEFORE} older commits only)`,
  });
}

/** Run `fetch --all-chunks` in a copy of `clone`: the process and the chunks it added. */
async function movedBy(w: RemoteWorld, clone: string, tag: string): Promise<{ proc: ProcResult; moved: Set<string>; bytes: number }> {
  const dir = path.join(w.root, `clone-fetch-${tag}`);
  await fsp.cp(clone, dir, { recursive: true });
  const have = await chunkIds(clone);
  const proc = await lg(w, dir, ['fetch', '--all-chunks', '--json']);
  const moved = new Set([...(await chunkIds(dir))].filter((id) => !have.has(id)));
  await fsp.rm(dir, { recursive: true, force: true });
  return { proc, moved, bytes: json<Transfer>(proc).bytes };
}

/** `clone` (graph + HEAD's chunks + the working CSVs) against one Parquet download from the same s3rver + DuckDB writing the CSV. */
async function cloneFigure(bench: Bench, w: RemoteWorld, tip: string, tableBytes: number, emit: Emit): Promise<void> {
  const key = 'baseline/orders.parquet';
  const parquet = path.join(w.root, 'orders-tip.parquet');
  await bench.gen.conn.run(`COPY (SELECT * FROM orders_remote) TO '${parquet.replace(/'/g, "''")}' (FORMAT parquet)`);
  const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    forcePathStyle: true,
    region: 'us-east-1',
    endpoint: w.s3.endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new PutObjectCommand({ Bucket: w.bucket, Key: key, Body: await fsp.readFile(parquet) }));
  const parquetBytes = (await fsp.stat(parquet)).size;
  let got: Transfer = { chunks: 0, bytes: 0 };
  const [lake, baseline] = await paired(
    bench.opts.runs,
    async (i) => {
      const dir = path.join(w.root, `clone-${i}`);
      const r = await lg(w, w.root, ['clone', w.url, dir, '--json']);
      got = json<Transfer>(r);
      await fsp.rm(dir, { recursive: true, force: true });
      return r;
    },
    async (i) => {
      const out = path.join(w.root, `baseline-${i}`);
      await fsp.mkdir(out);
      const r = await runProcess(
        process.execPath,
        [S3_BASELINE, w.bucket, key, path.join(out, 'o.parquet'), path.join(out, 'orders.csv')],
        {
          cwd: out,
          env: w.env,
        },
      );
      await fsp.rm(out, { recursive: true, force: true });
      return r;
    },
  );
  emit(
    timedRecord(bench, {
      figure: 'remote-clone',
      lg: lake,
      base: baseline,
      baseline: 'one Parquet copy downloaded from the same s3rver (@aws-sdk/client-s3) + DuckDB writing the CSV',
      goal: '<= 1.5x',
      limit: 1.5,
      pattern: w.h.pattern,
      note: `clone fetched ${got.chunks} chunks, ${got.bytes} bytes (HEAD's chunks ${tableBytes} bytes, both tables) and wrote orders.csv + customers.csv; baseline downloaded ${parquetBytes} bytes; HEAD ${tip.slice(0, 7)}`,
    }),
  );
}

/** `lakegit clone` against `git clone` of the same history as CSV, both over the same git http-backend: time, and bytes downloaded. */
async function gitCloneFigures(bench: Bench, w: RemoteWorld, want: (f: string) => boolean, emit: Emit): Promise<void> {
  await git(w.root, ['clone', '-q', '--bare', w.h.gitcsv, path.join(w.gitRoot, 'csv.git')]);
  const served = { lake: 0, git: 0, chunks: 0 };
  const [lake, plain] = await paired(
    bench.opts.runs,
    async (i) => {
      const dir = path.join(w.root, `clone-l-${i}`);
      const before = w.servedBytes();
      const r = await lg(w, w.root, ['clone', w.url, dir, '--json']);
      served.lake = w.servedBytes() - before;
      served.chunks = json<Transfer>(r).bytes;
      await fsp.rm(dir, { recursive: true, force: true });
      return r;
    },
    async (i) => {
      const dir = path.join(w.root, `clone-g-${i}`);
      const before = w.servedBytes();
      const r = await git(w.root, ['clone', '-q', `${w.gitUrl}/csv.git`, dir]);
      served.git = w.servedBytes() - before;
      await fsp.rm(dir, { recursive: true, force: true });
      return r;
    },
  );
  const common = { rows: bench.opts.rows, pattern: w.h.pattern, runs: bench.opts.runs };
  const what = `${bench.opts.commits + BEFORE} commits of ${bench.opts.changes} rows after the load`;
  if (want('remote-clone-vs-git')) {
    emit(
      timedRecord(bench, {
        figure: 'remote-clone-vs-git',
        lg: lake,
        base: plain,
        baseline: 'git clone of the same history as CSV over the same git http-backend',
        goal: '< 1x (scale)',
        met: ratioOf(lake.median, plain.median) < 1,
        pattern: w.h.pattern,
        note: what,
      }),
    );
  }
  if (want('remote-clone-bytes-vs-git')) {
    const total = served.lake + served.chunks;
    emit({
      figure: 'remote-clone-bytes-vs-git',
      lakegit_s: null,
      baseline: 'bytes git clone of the CSV history downloads from the same server',
      baseline_s: null,
      lakegit_bytes: total,
      baseline_bytes: served.git,
      ratio: ratioOf(total, served.git),
      goal: '< 1x',
      met: total < served.git,
      ...common,
      note: `${what}; lakegit: ${served.lake} bytes of git graph over HTTP + ${served.chunks} bytes of chunks from s3rver`,
    });
  }
}

/**
 * `check origin/f --into origin/main` with row-local checks in a `--no-checkout` clone: the
 * chunk bytes the check fetched, against the table's (HEAD's chunks). main gets the row-local
 * lakegit.yaml, f a 100-row commit on top. The administrator then protects main on the remote
 * (`lakegit -C <bare> protect main`, untimed), which checks main's tip there and records its
 * passes; the clone fetches that record with the graph, so the check reads only f's new chunks.
 */
async function checkFigure(bench: Bench, w: RemoteWorld, tableBytes: number, emit: Emit): Promise<void> {
  await fsp.writeFile(path.join(w.src, 'lakegit.yaml'), ROW_LOCAL_CONFIG);
  const past = new Date(Date.now() - 3000);
  await fsp.utimes(path.join(w.src, 'lakegit.yaml'), past, past);
  await lg(w, w.src, ['add', 'lakegit.yaml']);
  await lg(w, w.src, ['commit', '-m', 'row-local checks']);
  await lg(w, w.src, ['checkout', '-q', '-b', 'f']);
  await commitChanges(bench, w, PUSH_ROWS, 5000);
  await lg(w, w.src, ['push', 'origin', 'main', 'f']);
  const protect = await lg(w, w.root, ['-C', path.join(w.gitRoot, 'lake.git'), 'protect', 'main']);
  progress(`remote: ${protect.stdout.trim().replace(/\n/g, ' ')} (${protect.seconds.toFixed(2)} s)`);
  const runs = new Runs();
  let fetched = 0;
  let verdict = '';
  for (let i = 0; i < bench.opts.runs; i++) {
    const dir = path.join(w.root, `ci-${i}`);
    await lg(w, w.root, ['clone', '--no-checkout', w.url, dir]);
    const r = await lg(w, dir, ['check', 'origin/f', '--into', 'origin/main', '--json'], true);
    if (r.exitCode > 1) throw new Error(`check exited ${r.exitCode}: ${r.stderr}`);
    runs.add(r);
    fetched = await dirBytes(path.join(dir, '.lakegit', 'chunks'));
    const rep = json<{ passed: boolean; checks: { mode?: string }[] }>(r);
    verdict = `${rep.passed ? 'pass' : 'FAIL'}, modes ${rep.checks.map((c) => c.mode ?? '?').join('/')}`;
    await fsp.rm(dir, { recursive: true, force: true });
  }
  const s = runs.sample;
  const ratio = ratioOf(fetched, tableBytes);
  emit({
    figure: 'remote-check-bytes',
    lakegit_s: null,
    baseline: "the table's chunk bytes at main's head",
    baseline_s: null,
    lakegit_bytes: fetched,
    baseline_bytes: tableBytes,
    ratio,
    goal: '<= 0.05x',
    met: ratio <= 0.05,
    lakegit_peak_mib: s.peakMiB,
    lakegit_cpu_s: s.cpuMedian,
    rows: bench.opts.rows,
    pattern: w.h.pattern,
    runs: bench.opts.runs,
    note: `check took ${s.median.toFixed(2)} s (median); verdict ${verdict}; main protected on the remote, which recorded its passes`,
  });
}

/** `push` of a 100-row commit: chunk files and bytes uploaded, and time. */
async function pushFigure(bench: Bench, w: RemoteWorld, tableBytes: number, emit: Emit): Promise<void> {
  // Branch f comes from checkFigure; run alone (`--only remote-push-100`), the figure makes it here, untimed.
  if ((await lg(w, w.src, ['checkout', '-q', 'f'], true)).exitCode !== 0) {
    await lg(w, w.src, ['checkout', '-q', '-b', 'f']);
    await lg(w, w.src, ['push', 'origin', 'f']);
  }
  const runs = new Runs();
  const sent: Transfer[] = [];
  for (let i = 0; i < bench.opts.runs; i++) {
    await commitChanges(bench, w, PUSH_ROWS, 6000 + i);
    const r = await lg(w, w.src, ['push', 'origin', 'f', '--json']);
    runs.add(r);
    sent.push(json<Transfer>(r));
  }
  const s = runs.sample;
  const chunks = Math.max(...sent.map((t) => t.chunks));
  const bytes = Math.max(...sent.map((t) => t.bytes));
  const limit = 1.5;
  emit({
    figure: 'remote-push-100',
    lakegit_s: s.median,
    baseline: `limit ${limit} s (no baseline process)`,
    baseline_s: limit,
    ratio: ratioOf(s.median, limit),
    goal: `<= 2 chunks, <= 1% of table bytes, < ${limit} s`,
    met: chunks <= 2 && bytes <= tableBytes / 100 && s.median < limit,
    lakegit_bytes: bytes,
    baseline_bytes: tableBytes,
    lakegit_peak_mib: s.peakMiB,
    lakegit_cpu_s: s.cpuMedian,
    rows: bench.opts.rows,
    pattern: w.h.pattern,
    runs: bench.opts.runs,
    note: `uploaded at most ${chunks} chunk file(s), ${bytes} bytes (${((100 * bytes) / tableBytes).toFixed(3)}% of the table's ${tableBytes}); per run ${sent.map((t) => `${t.chunks}/${t.bytes}`).join(', ')}`,
  });
}
