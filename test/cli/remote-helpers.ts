import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { CommitOutcome } from '../../src/ops/commit.js';
import { Repo } from '../../src/repo.js';
import { runCli, tempRepo, type TempRepo } from '../helpers.js';

/** The S3 SDK's usual environment, pointed at the suite's s3rver. */
export function useS3Env(): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: inject('s3Endpoint'),
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  });
}

let serial = 0;
const unique = (stem: string) => `${stem}-${process.pid}-${Date.now().toString(36)}-${serial++}`;

export interface Remote {
  /** What `remote add` / `clone` are given. */
  url: string;
  /** The bare repository's directory (served over HTTP, or reached as a path). */
  dir: string;
  /** Where its chunks are: a directory, or the s3:// URL. */
  chunks: string;
}

/** A bare remote made as `lakegit init --bare` does (in-process): a path with chunks inside, or served over HTTP with chunks in S3. */
export async function newRemote(kind: 'path' | 'http' | 'http-dir'): Promise<Remote> {
  const name = unique('lake');
  if (kind === 'path') {
    const base = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-remote-'));
    const dir = path.join(base, `${name}.git`);
    await Repo.initBare(dir, { cwd: base });
    return { url: dir, dir, chunks: path.join(dir, 'chunks') };
  }
  const dir = path.join(inject('gitRoot'), `${name}.git`);
  const chunks = kind === 'http' ? `s3://${inject('s3Bucket')}/${name}` : path.join(inject('gitRoot'), `${name}-chunks`);
  await Repo.initBare(dir, { chunks, cwd: inject('gitRoot') });
  return { url: `${inject('gitHttpUrl')}/${name}.git`, dir, chunks };
}

/** A clone wrapped as a TempRepo (same helpers as the rest of the suite). */
export async function cloneInto(url: string, extra: string[] = [], env: Record<string, string> = {}): Promise<TempRepo> {
  const repo = await tempRepo({}, false);
  await fsp.rm(repo.dir, { recursive: true });
  const r = await runCli(path.dirname(repo.dir), ['clone', url, repo.dir, ...extra], env);
  if (r.exitCode !== 0) throw new Error(`clone exited ${r.exitCode}\n${r.stderr}`);
  return repo;
}

/**
 * Set-up in-process (init, add with key id, commit: the API the CLI calls, without a process start
 * and a DuckDB load per step): a repository with these files tracked and committed.
 */
export async function committedRepo(files: Record<string, string>, message = 'first'): Promise<TempRepo> {
  const repo = await tempRepo(files);
  const a = await Repo.open(repo.dir);
  for (const f of Object.keys(files)) await a.add({ paths: [f], cwd: repo.dir, key: ['id'] });
  committed(await a.commit({ message }));
  return repo;
}

/** In-process `commit -am`, after writing `file` when given; returns the commit id. */
export async function commitAll(repo: TempRepo, message: string, file?: { name: string; text: string }): Promise<string> {
  if (file) await repo.write(file.name, file.text);
  return committed(await (await Repo.open(repo.dir)).commit({ message, all: true }));
}

function committed(outcome: CommitOutcome): string {
  if (outcome.status !== 'committed') throw new Error(`set-up commit refused: ${JSON.stringify(outcome)}`);
  return outcome.oid;
}

/** In-process `remote add origin <url>`. */
export async function addOrigin(repo: TempRepo, url: string, chunks?: string): Promise<void> {
  await (await Repo.open(repo.dir)).addRemote('origin', url, { chunks, cwd: repo.dir });
}

export const chunkFiles = async (dir: string) =>
  (await fsp.readdir(path.join(dir, '.lakegit', 'chunks')).catch(() => [] as string[])).filter((f) => /^[0-9a-f]{64}\.parquet$/.test(f));

export const ordersCsv = (rows: [number, number, string][]) => `id,amount,note\n${rows.map((r) => r.join(',')).join('\n')}\n`;
