import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { TEST_ENV } from './helpers.js';

const { Repo, LakegitError } = api;

/** What an API user sees: the class, its stable code, the exit code the class decides, a hint. */
async function failure(p: Promise<unknown>): Promise<api.LakegitError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(LakegitError);
  return e as api.LakegitError;
}

describe('errors', () => {
  let dir: string;
  let repo: api.Repo;
  beforeAll(async () => {
    Object.assign(process.env, TEST_ENV);
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-errors-'));
    repo = await Repo.init(dir);
    await fsp.writeFile(path.join(dir, 'orders.csv'), 'id,amount\n1,10\n2,20\n');
    await repo.add({ paths: ['orders.csv'], cwd: dir, key: ['id'] });
    await repo.commit({ message: 'load' });
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('errors: each kind of failure is its own exported class with its own code, exit code and hint', async () => {
    const cases: [() => Promise<unknown>, (abstract new (...args: never[]) => api.LakegitError) & { code: string }, 1 | 2 | 3][] = [
      [() => repo.show('nope'), api.UnknownRevision, 2],
      [() => repo.deleteBranch('nope'), api.UnknownBranch, 2],
      [() => repo.deleteTag('nope'), api.UnknownTag, 2],
      [() => repo.createBranch('main'), api.AlreadyExists, 2],
      [() => repo.createBranch('a..b'), api.InvalidName, 2],
      [() => repo.rm('nope'), api.UnknownTable, 2],
      [() => repo.commit({ message: 'again' }), api.NothingToCommit, 1],
      [() => repo.mergeAbort(), api.NothingInProgress, 2],
      [() => repo.sql('select * from nope'), api.UnknownTable, 2],
      [() => repo.sql('delete from orders'), api.InvalidQuery, 2],
      [() => Repo.open(os.tmpdir()), api.NotARepository, 2],
    ];
    const seen = new Set<string>();
    for (const [p, Kind, exit] of cases) {
      const e = await failure(p());
      expect(e, e.message).toBeInstanceOf(Kind);
      expect(e.code).toBe(Kind.code);
      expect(e.name).toBe(Kind.code);
      expect(e.exitCode).toBe(exit);
      expect(e.hint, e.code).toBeTruthy();
      seen.add(e.code);
    }
    expect(seen.size).toBe(10);
  });

  it('errors: a duplicate key, a malformed file, an unknown key column and a missing file are told apart', async () => {
    await fsp.writeFile(path.join(dir, 'dup.csv'), 'id,v\n1,a\n1,b\n');
    await fsp.writeFile(path.join(dir, 'bad.csv'), 'id,v\n1,a\n2,b,c\n');
    const dup = await failure(repo.add({ paths: ['dup.csv'], cwd: dir, key: ['id'] }));
    expect(dup).toBeInstanceOf(api.DuplicateKey);
    expect(dup.data).toMatchObject({ file: 'dup.csv', key: { id: 1 } });
    expect(await failure(repo.add({ paths: ['bad.csv'], cwd: dir, key: ['id'] }))).toBeInstanceOf(api.MalformedFile);
    expect(await failure(repo.add({ paths: ['dup.csv'], cwd: dir, key: ['nope'] }))).toBeInstanceOf(api.UnknownColumn);
    expect(await failure(repo.add({ paths: ['gone.csv'], cwd: dir, key: ['id'] }))).toBeInstanceOf(api.MissingFile);
    expect(await failure(repo.add({ paths: ['dup.csv'], cwd: dir, key: ['id'], keyless: true }))).toBeInstanceOf(api.UsageError);
  });

  it('errors: refusals exit 1 and are Refused, bad input exits 2, damage exits 3', () => {
    expect(new api.WouldOverwrite('x')).toBeInstanceOf(api.Refused);
    expect(new api.LockBusy('/l').exitCode).toBe(1);
    expect(new api.MergeInProgress('x').exitCode).toBe(1);
    expect(new api.Corrupt('x').exitCode).toBe(3);
    expect(new api.DuplicateKey('x').hint).toMatch(/unique/);
    expect(new api.BadInput('x').exitCode).toBe(2);
  });
});
