import { afterAll } from 'vitest';
import { Repo } from '../../src/repo.js';
import { TEST_ENV, tempRepo, type TempRepo, commitMade } from '../helpers.js';

// Histories are built in-process through the API (no process start per step); the verbs under
// test always run the real CLI.
Object.assign(process.env, TEST_ENV);
afterAll(() => Repo.close());

export const api = (repo: TempRepo): Promise<Repo> => Repo.open(repo.dir);

/** Write a file's new contents and commit them (`commit -a`). */
export async function commitFile(repo: TempRepo, file: string, text: string, message: string): Promise<string> {
  await repo.write(file, text);
  return commitMade(await (await api(repo)).commit({ message, all: true })).oid;
}

export interface Diverged {
  repo: TempRepo;
  base: string;
  ours: string;
  theirs: string;
}

/**
 * base ─┬─ ours   (main, checked out)
 *       └─ theirs (branch fix)
 * `key` null tracks the file keyless.
 */
export async function diverged(
  base: string,
  ours: string,
  theirs: string,
  opts: { file?: string; key?: string[] | null } = {},
): Promise<Diverged & AsyncDisposable> {
  const file = opts.file ?? 'orders.csv';
  const repo = await tempRepo({}, false);
  await repo.write(file, base);
  const r = await Repo.init(repo.dir);
  const key = opts.key === undefined ? ['id'] : opts.key;
  await r.add({ paths: [file], cwd: repo.dir, key: key ?? undefined, keyless: key === null });
  const b = commitMade(await r.commit({ message: 'base' })).oid;
  await r.checkout({ target: 'HEAD', create: 'fix' });
  const t = await commitFile(repo, file, theirs, 'theirs');
  await r.checkout({ target: 'main' });
  const o = await commitFile(repo, file, ours, 'ours');
  return Object.assign({ repo, base: b, ours: o, theirs: t }, { [Symbol.asyncDispose]: () => repo[Symbol.asyncDispose]() });
}

/** The JSON a `--json` command printed; fails the test with the CLI's stderr otherwise. */
export async function json<T = unknown>(repo: TempRepo, ...args: string[]): Promise<{ exitCode: number; value: T }> {
  const r = await repo.run(...args, '--json');
  try {
    return { exitCode: r.exitCode, value: JSON.parse(r.stdout) as T };
  } catch {
    throw new Error(`lakegit ${args.join(' ')} --json exited ${r.exitCode} without JSON\n${r.stderr}${r.stdout}`);
  }
}

export const headOf = async (repo: TempRepo): Promise<string> => (await (await api(repo)).ctx.git.resolveRef('HEAD'))!;
export const parentsOf = async (repo: TempRepo, oid: string): Promise<string[]> =>
  (await (await api(repo)).ctx.git.readCommit(oid)).parents;

/**
 * What `conflicts --json` and `status --json` print, read in-process (the CLI prints these objects as
 * JSON): where the verb under test is merge, its outcome is read without a process start each;
 * conflicts.test.ts and status.test.ts run those verbs' own CLI.
 */
export const conflictsOf = async (repo: TempRepo): Promise<unknown> => JSON.parse(JSON.stringify(await (await api(repo)).conflicts()));
export const statusOf = async (repo: TempRepo) => (await api(repo)).status();
/** The message of the commit HEAD names (what `log -n 1 --oneline` shows after the id). */
export const headMessage = async (repo: TempRepo): Promise<string> => (await (await api(repo)).log({ n: 1 }))[0].message;
