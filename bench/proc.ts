import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: dist/bench/proc.js sits two levels below it. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let lakegitBin = path.join(ROOT, 'bin', 'lakegit');

/** Run the lakegit built in another tree (a frozen copy, or a build to compare against). */
export function useLakegitAt(root: string): void {
  lakegitBin = path.join(path.resolve(root), 'bin', 'lakegit');
  if (!existsSync(lakegitBin)) throw new Error(`no lakegit at ${lakegitBin}`);
}

export const lakegitPath = (): string => lakegitBin;
export const DUCKDB_BASELINE = path.join(ROOT, 'dist', 'bench', 'duckdb-baseline.js');

const TIME = '/usr/bin/time';
/** GNU time -v reports the child's peak RSS; without it memory is not measured (said in the report). */
export const canMeasureMemory = existsSync(TIME);

export interface ProcResult {
  seconds: number;
  /** Peak resident set size of the child in MiB, when /usr/bin/time is present. */
  peakMiB?: number;
  /** User + system CPU seconds of the child: less disturbed than wall time when others load the machine. */
  cpuSeconds?: number;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** With `stdout: 'lines'`: how many newlines the child wrote (its stdout itself is not kept). */
  lines?: number;
}

/**
 * What becomes of the child's stdout: kept as a string (the default), sent to /dev/null (a huge
 * output, timed as a shell's `> /dev/null` would), or only its newlines counted as it streams by.
 */
export type StdoutMode = 'collect' | 'discard' | 'lines';

export interface ProcOptions {
  cwd: string;
  env?: Record<string, string>;
  allowFail?: boolean;
  stdout?: StdoutMode;
}

/**
 * Run one process to completion and time it from spawn to exit, so start-up (node, module loading,
 * DuckDB's native library) counts for lakegit and for every baseline alike.
 */
export function runProcess(cmd: string, args: readonly string[], opts: ProcOptions): Promise<ProcResult> {
  const [file, argv] = canMeasureMemory ? [TIME, ['-v', cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const mode = opts.stdout ?? 'collect';
    const child = spawn(file, argv, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', mode === 'discard' ? 'ignore' : 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let lines = 0;
    child.stdout?.on('data', (b: Buffer) => {
      if (mode === 'lines') lines += newlines(b);
      else out.push(b);
    });
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { stderr, peakMiB, cpuSeconds } = splitTimeReport(Buffer.concat(err).toString('utf8'));
      const result = {
        seconds,
        peakMiB,
        cpuSeconds,
        exitCode: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr,
        lines: mode === 'lines' ? lines : undefined,
      };
      if (result.exitCode !== 0 && !opts.allowFail) {
        reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${result.exitCode} in ${opts.cwd}\n${stderr}${result.stdout}`));
      } else {
        resolve(result);
      }
    });
  });
}

function newlines(b: Buffer): number {
  let n = 0;
  for (let at = b.indexOf(10); at >= 0; at = b.indexOf(10, at + 1)) n++;
  return n;
}

/** Separate the child's own stderr from GNU time's report that follows it. */
function splitTimeReport(text: string): { stderr: string; peakMiB?: number; cpuSeconds?: number } {
  if (!canMeasureMemory) return { stderr: text };
  const at = text.lastIndexOf('\tCommand being timed:');
  const report = at >= 0 ? text.slice(at) : '';
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
  const stderr = (at >= 0 ? text.slice(0, at) : text).replace(/Command (exited with non-zero status|terminated by signal) \d+\n$/, '');
  const user = /User time \(seconds\): ([\d.]+)/.exec(report);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(report);
  const cpuSeconds = user && sys ? Number(user[1]) + Number(sys[1]) : undefined;
  return { stderr, peakMiB: rss ? Number(rss[1]) / 1024 : undefined, cpuSeconds };
}

export const lakegit = (cwd: string, args: readonly string[], env: Record<string, string> = {}, allowFail = false) =>
  runProcess(process.execPath, [lakegitBin, ...args], { cwd, env: { NO_COLOR: '1', ...env }, allowFail });

/** The "DuckDB alone" baseline: a bare @duckdb/node-api process running the given statements. */
export const duckdb = (cwd: string, ...statements: string[]) => runProcess(process.execPath, [DUCKDB_BASELINE, ...statements], { cwd });

export const git = (cwd: string, args: readonly string[], env: Record<string, string> = {}) =>
  runProcess('git', args, { cwd, env: { GIT_CONFIG_NOSYSTEM: '1', ...env } });

/** lakegit and git with a chosen fate for stdout: a diff or blame of millions of rows is never held in a JS string. */
export const lakegitOut = (cwd: string, args: readonly string[], stdout: StdoutMode, allowFail = false) =>
  runProcess(process.execPath, [lakegitBin, ...args], { cwd, env: { NO_COLOR: '1' }, stdout, allowFail });
export const gitOut = (cwd: string, args: readonly string[], stdout: StdoutMode, allowFail = false) =>
  runProcess('git', args, { cwd, env: { GIT_CONFIG_NOSYSTEM: '1' }, stdout, allowFail });

export interface Sample {
  median: number;
  all: number[];
  peakMiB?: number;
  cpuMedian?: number;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

type Once = (i: number) => Promise<ProcResult | ProcResult[]>;

/** Accumulates runs (a run may be several processes, timed as their sum) into a Sample. */
export class Runs {
  readonly all: number[] = [];
  readonly cpu: number[] = [];
  peakMiB?: number;

  add(got: ProcResult | ProcResult[]): void {
    const list = Array.isArray(got) ? got : [got];
    this.all.push(list.reduce((s, r) => s + r.seconds, 0));
    if (list.every((r) => r.cpuSeconds !== undefined)) this.cpu.push(list.reduce((s, r) => s + r.cpuSeconds!, 0));
    for (const r of list) if (r.peakMiB !== undefined) this.peakMiB = Math.max(this.peakMiB ?? 0, r.peakMiB);
  }

  get sample(): Sample {
    return { median: median(this.all), all: this.all, peakMiB: this.peakMiB, cpuMedian: this.cpu.length ? median(this.cpu) : undefined };
  }
}

/**
 * lakegit and its baseline alternately, n runs each: on a machine others share, load drifts, and
 * alternating puts both sides under the same drift.
 */
export async function paired(n: number, a: Once, b: Once): Promise<[Sample, Sample]> {
  const [ra, rb] = [new Runs(), new Runs()];
  for (let i = 0; i < n; i++) {
    ra.add(await a(i));
    rb.add(await b(i));
  }
  return [ra.sample, rb.sample];
}
