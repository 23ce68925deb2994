import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { renderStatus } from '../../src/cli/render/status.js';
import { Repo } from '../../src/repo.js';
import { FIXTURES, snapshotDir, TEST_ENV, tempRepo, type RunResult, type TempRepo, commitMade } from '../helpers.js';

// Set-up steps run in-process through the API (same code as the CLI, without a process start and
// a DuckDB load per step); the behaviour under test always runs the real CLI.
Object.assign(process.env, TEST_ENV);

/** Shared set-up for the core verbs' scenario tests. */
export const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
export const fixtureBytes = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

export const ORDERS = fixture('orders.csv');

/** `tempRepo` with an in-process `init`. */
export async function newRepo(files: Record<string, string | Uint8Array> = {}): Promise<TempRepo> {
  const repo = await tempRepo({}, false);
  for (const [f, body] of Object.entries(files)) await repo.write(f, body);
  await Repo.init(repo.dir);
  return repo;
}

/** The in-process API on a test repository, for set-up. */
export const api = (repo: TempRepo): Promise<Repo> => Repo.open(repo.dir);

/** In-process `add` (key given, or keyless when key is null) and `commit -m`. */
export async function track(repo: TempRepo, file: string, key: string[] | null, name?: string): Promise<void> {
  await (await api(repo)).add({ paths: [file], cwd: repo.dir, key: key ?? undefined, keyless: key === null, name });
}
export async function commit(repo: TempRepo, message: string, all = false): Promise<string> {
  return commitMade(await (await api(repo)).commit({ message, all })).oid;
}

/** A repository with orders.csv tracked (key id) and committed as "load orders". */
export async function ordersRepo(extra: Record<string, string> = {}): Promise<TempRepo> {
  const repo = await newRepo({ 'orders.csv': ORDERS, ...extra });
  await track(repo, 'orders.csv', ['id']);
  await commit(repo, 'load orders');
  return repo;
}

/**
 * What `status --json` and `status` print, read in-process (the CLI prints this object as JSON, or
 * rendered by renderStatus): for a test whose verb under test is another one, its outcome is read
 * without a process start; status.test.ts and the stat tests run `status` itself.
 */
export const statusJson = async (repo: TempRepo): Promise<any> => JSON.parse(JSON.stringify(await (await api(repo)).status()));
export async function statusText(repo: TempRepo): Promise<string> {
  const text = renderStatus(await (await api(repo)).status());
  return text && !text.endsWith('\n') ? `${text}\n` : text; // as the CLI's print() writes it
}

/** What `log --json` prints (`-n` as n), read in-process the same way. */
export const logJson = async (repo: TempRepo, opts: { n?: number } = {}): Promise<any[]> =>
  JSON.parse(JSON.stringify(await (await api(repo)).log(opts)));

export async function json<T = any>(repo: TempRepo, ...args: string[]): Promise<T> {
  return JSON.parse(await repo.ok(...args, '--json')) as T;
}

/** Everything under .lakegit/ (lock file excluded), to prove a refused command changed nothing. */
export const lakegitState = (repo: TempRepo) => snapshotDir(repo.path('.lakegit'));

/** Run a command that must fail with `code` and leave .lakegit/ byte for byte as it was. */
export async function expectRefusedUnchanged(repo: TempRepo, code: number, ...args: string[]): Promise<RunResult> {
  const before = await lakegitState(repo);
  const r = await repo.run(...args);
  expect.soft(r.exitCode, `lakegit ${args.join(' ')}\n${r.stderr}`).toBe(code);
  expect.soft(r.stderr).toMatch(/^lakegit: error: /);
  expect.soft(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(await lakegitState(repo)).toEqual(before);
  return r;
}

/** Replace one line of a CSV text (by its first field) with another line. */
export function editRow(csv: string, id: string, line: string | null): string {
  const lines = csv.split('\n');
  const i = lines.findIndex((l) => l.split(',')[0] === id);
  if (i < 0) throw new Error(`no row ${id}`);
  if (line === null) lines.splice(i, 1);
  else lines[i] = line;
  return lines.join('\n');
}

export const lines = (text: string): string[] => text.trim().split('\n');
