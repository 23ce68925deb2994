import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { FIXTURES, snapshotDir, tempRepo, type RunResult, type TempRepo } from '../helpers.js';

/** Shared set-up for the core verbs' scenario tests. */
export const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

export const ORDERS = fixture('orders.csv');

/** A repository with orders.csv tracked (key id) and committed as "load orders". */
export async function ordersRepo(extra: Record<string, string> = {}): Promise<TempRepo> {
  const repo = await tempRepo({ 'orders.csv': ORDERS, ...extra });
  await repo.ok('add', 'orders.csv', '--key', 'id');
  await repo.ok('commit', '-m', 'load orders');
  return repo;
}

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
  expect.soft(r.stderr).not.toMatch(/\n\s+at /);        // no stack trace
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
export const head = async (repo: TempRepo): Promise<string> => (await repo.ok('log', '-n', '1', '--json')).match(/"commit": "([0-9a-f]{40})"/)![1];
