import { execFile, spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommitOutcome, CommitResult } from '../src/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'lakegit');
export const FIXTURES = path.join(ROOT, 'fixtures');

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A fixed identity and date so commit ids are stable across runs. */
export const TEST_ENV: Record<string, string> = {
  LAKEGIT_AUTHOR_NAME: 'Ann Analyst',
  LAKEGIT_AUTHOR_EMAIL: 'ann@example.com',
  LAKEGIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  NO_COLOR: '1',
};

/** Run the built CLI as a separate process. */
export function runCli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, ...TEST_ENV, ...env }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}

/** Start the CLI without waiting, for kill and concurrency tests. */
export function spawnCli(cwd: string, args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...TEST_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface TempRepo extends AsyncDisposable {
  dir: string;
  run(...args: string[]): Promise<RunResult>;
  /** Run and fail the test with the CLI's stderr unless it exits 0. */
  ok(...args: string[]): Promise<string>;
  runEnv(env: Record<string, string>, ...args: string[]): Promise<RunResult>;
  write(file: string, text: string | Uint8Array): Promise<void>;
  read(file: string): Promise<string>;
  exists(file: string): Promise<boolean>;
  path(file: string): string;
}

/** A fresh temporary directory with the given files written and a repository initialised in it. */
export async function tempRepo(files: Record<string, string> = {}, init = true): Promise<TempRepo> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-test-'));
  const repo: TempRepo = {
    dir,
    run: (...args) => runCli(dir, args),
    runEnv: (env, ...args) => runCli(dir, args, env),
    async ok(...args) {
      const r = await runCli(dir, args);
      if (r.exitCode !== 0) throw new Error(`lakegit ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    write: async (file, text) => {
      await fsp.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await fsp.writeFile(path.join(dir, file), text);
    },
    read: (file) => fsp.readFile(path.join(dir, file), 'utf8'),
    exists: (file) =>
      fsp.access(path.join(dir, file)).then(
        () => true,
        () => false,
      ),
    path: (file) => path.join(dir, file),
    [Symbol.asyncDispose]: () => fsp.rm(dir, { recursive: true, force: true }),
  };
  for (const [f, text] of Object.entries(files)) await repo.write(f, text);
  // In-process (what `lakegit init` calls, without a process start): init.test.ts runs the CLI's own.
  if (init) await (await import('../src/repo.js')).Repo.init(dir);
  return repo;
}

/** A listing of every file under a directory with its size and content hash, to prove nothing changed. */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const { createHash } = await import('node:crypto');
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await fsp.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name !== 'lakegit.lock')
        out[path.relative(dir, p)] = createHash('sha256')
          .update(await fsp.readFile(p))
          .digest('hex');
    }
  };
  await walk(dir);
  return out;
}

export const execFileText = (cmd: string, args: string[], cwd: string) =>
  new Promise<string>((resolve, reject) => execFile(cmd, args, { cwd }, (e, out) => (e ? reject(e) : resolve(out))));

/** The commit a `Repo.commit` made; a refused one (a gate failed) fails the test, naming the gates. */
export function commitMade(r: CommitOutcome): CommitResult {
  if (r.status !== 'committed') throw new Error(`commit refused: ${r.gates.map((g) => g.summary).join('; ')}`);
  return r;
}
