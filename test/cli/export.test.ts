import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { snapshotDir, tempRepo, type TempRepo } from '../helpers.js';

/** Values that stress every writer: quotes, separators, newlines, tabs, empty vs NULL, unicode. */
const TRICKY =
  [
    'id,amount,name,day,at,ok',
    '1,10.5,plain,2024-01-02,2024-01-02 10:00:00,true',
    '2,,"comma, and ""quote""",2024-02-03,,false',
    '3,30.25,,,2024-03-04 05:06:07,',
    '4,-0.125,"",2024-12-31,2024-12-31 23:59:59.5,true',
    '5,1e-7,"line\nbreak\tand tab",1999-01-01,1999-01-01 00:00:00,false',
    '6,7,"  padded  ",2000-02-29,2000-02-29 12:00:00,true',
    '7,8,"ünïcödé ✓",2001-01-01,2001-01-01 01:01:01,false',
  ].join('\n') + '\n';

/** The chunk files of a table (what `files <ref>` lists), read in-process: the checks below compare them, `files` has its own tests. */
const chunkNames = async (repo: TempRepo, ref: string) =>
  (await (await Repo.open(repo.dir)).files(ref, true)).map((p) => path.basename(p)).sort();

// Set-up steps and the checks that read chunk lists and schemas run in-process (the API the CLI
// calls, without a process start and a DuckDB load each); export and the adds that read its files
// back run the CLI.

/** In-process `sql <query>` (with `--output <file>` when given). */
const sqlIn = async (repo: TempRepo, query: string, output?: string) => (await Repo.open(repo.dir)).sql(query, { output, cwd: repo.dir });

/** In-process `add <file> --key id` and `commit -m <message>`. */
async function addCommit(repo: TempRepo, file: string, message: string): Promise<Repo> {
  const a = await Repo.open(repo.dir);
  await a.add({ paths: [file], cwd: repo.dir, key: ['id'] });
  expect((await a.commit({ message })).status).toBe('committed');
  return a;
}

async function loaded(): Promise<TempRepo> {
  const repo = await tempRepo({ 't.csv': TRICKY });
  await (await addCommit(repo, 't.csv', 'load')).createTag('v1');
  return repo;
}

/** One repository for the round trips: each adds its copy under its own name. */
let shared: Promise<TempRepo> | undefined;
const sharedRepo = (): Promise<TempRepo> => (shared ??= loaded());
afterAll(async () => {
  if (shared) await (await shared)[Symbol.asyncDispose]();
});

describe('export', () => {
  it.each(['csv', 'tsv', 'parquet', 'jsonl', 'ndjson'])('export: %s round-trips through add to the same chunk ids', async (ext) => {
    const repo = await sharedRepo();
    const out = await repo.ok('export', 't@v1', `out.${ext}`);
    expect(out).toContain(`wrote 7 rows to ${repo.path(`out.${ext}`)}`);
    await repo.ok('add', `out.${ext}`, '--key', 'id', '--name', `copy_${ext}`);
    expect(await chunkNames(repo, `copy_${ext}`)).toEqual(await chunkNames(repo, 't@v1'));
    const schema = async (t: string) => (await sqlIn(repo, `describe ${t}`)).rows;
    expect(await schema(`copy_${ext}`)).toEqual(await schema('t'));
  });

  it('export: a Parquet table keeps every type (integer widths, decimals, dates, timestamps)', async () => {
    await using repo = await tempRepo();
    await sqlIn(
      repo,
      `select i::INTEGER as id, (i * 1.25)::DECIMAL(10,2) as amount, i::SMALLINT as small,
        DATE '2024-01-01' + i::INTEGER as day, TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) as at,
        i % 2 = 0 as even, CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END as name
      from range(50) r(i)`,
      'typed.parquet',
    );
    await addCommit(repo, 'typed.parquet', 'typed');
    await repo.ok('export', 'typed@HEAD', 'back.parquet');
    await repo.ok('add', 'back.parquet', '--key', 'id', '--name', 'back');
    expect(await chunkNames(repo, 'back')).toEqual(await chunkNames(repo, 'typed@HEAD'));
    const types = await sqlIn(repo, "select column_name, column_type from (describe back) where column_name in ('id','amount','small')");
    expect(types.rows).toEqual([
      { column_name: 'id', column_type: 'INTEGER' },
      { column_name: 'amount', column_type: 'DECIMAL(10,2)' },
      { column_name: 'small', column_type: 'SMALLINT' },
    ]);
  });

  it('export: writing an old revision over the working file and adding it restores that snapshot', async () => {
    await using repo = await loaded();
    await repo.write('t.csv', 'id,amount,name,day,at,ok\n1,99,changed,2024-01-02,2024-01-02 10:00:00,true\n');
    expect((await (await Repo.open(repo.dir)).commit({ message: 'shrink', all: true })).status).toBe('committed');
    await repo.ok('export', 't@v1', 't.csv');
    await repo.ok('add', 't.csv');
    expect(await chunkNames(repo, 't')).toEqual(await chunkNames(repo, 't@v1'));
  });

  it('export: columns come out in the manifest order, rows in key order', async () => {
    await using repo = await tempRepo({ 'o.csv': 'zeta,id,alpha\nz3,3,a3\nz1,1,a1\nz2,2,a2\n' });
    await addCommit(repo, 'o.csv', 'load');
    await repo.ok('export', 'o@HEAD', 'o-out.csv');
    expect(await repo.read('o-out.csv')).toBe('zeta,id,alpha\nz1,1,a1\nz2,2,a2\nz3,3,a3\n');
  });

  it('export: an unknown extension, table or revision is exit 2 and writes nothing', async () => {
    await using repo = await loaded();
    const before = await snapshotDir(repo.dir);
    for (const args of [
      ['t@v1', 'out.json'],
      ['t@v1', 'out.xlsx'],
      ['nope@v1', 'out.csv'],
      ['t@nope', 'out.csv'],
    ]) {
      const r = await repo.run('export', ...args);
      expect.soft(r.exitCode, args.join(' ')).toBe(2);
      expect.soft(r.stderr, args.join(' ')).toMatch(/out\.json|out\.xlsx|'nope'/);
    }
    expect(await snapshotDir(repo.dir)).toEqual(before);
  });
});
