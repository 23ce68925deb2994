import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { execFileText, tempRepo, type TempRepo } from '../helpers.js';

const rows = (from: number, to: number, tweak = -1) =>
  Array.from({ length: to - from }, (_, i) => from + i)
    .map((id) => `${id},${id === tweak ? 'changed' : `name${id}`},${(id * 1.5).toFixed(2)}`)
    .join('\n');

/** 500 rows committed, then one row changed and one added: HEAD keeps a change chunk over its base. */
async function withChangeChunk(): Promise<TempRepo> {
  const repo = await tempRepo({ 't.csv': `id,name,amount\n${rows(0, 500)}\n` });
  // Set-up in-process (add, commit, commit -a: the API the CLI calls); files runs the CLI.
  const a = await Repo.open(repo.dir);
  await a.add({ paths: ['t.csv'], cwd: repo.dir, key: ['id'] });
  await a.commit({ message: 'load' });
  await repo.write('t.csv', `id,name,amount\n${rows(0, 501, 7)}\n`);
  await a.commit({ message: 'tweak', all: true });
  return repo;
}

const manifestAt = async (repo: TempRepo, rev: string) =>
  JSON.parse(await execFileText('git', ['--git-dir', '.lakegit', 'show', `${rev}:tables/t.json`], repo.dir));
const lines = (text: string) => text.trim().split('\n');

describe('files', () => {
  it('files: a snapshot with change chunks is compacted into the chunks a fresh add makes', async () => {
    await using repo = await withChangeChunk();
    const manifest = await manifestAt(repo, 'HEAD');
    expect(manifest.deltas.length).toBeGreaterThan(0);
    const listed = lines(await repo.ok('files', 't@HEAD'));
    // The oracle, a fresh add of the same rows, made in-process (export and add have their own CLI tests).
    const a = await Repo.open(repo.dir);
    await a.export('t@HEAD', repo.path('fresh.csv'));
    await a.add({ paths: ['fresh.csv'], cwd: repo.dir, key: ['id'], name: 'fresh' });
    expect(listed.map((p) => path.basename(p))).toEqual(lines(await repo.ok('files', 'fresh')).map((p) => path.basename(p)));
    // The commit itself is untouched: files only adds chunk files.
    expect(await manifestAt(repo, 'HEAD')).toEqual(manifest);
  });

  it('files: the printed paths survive gc while the snapshot is reachable; a second call writes nothing', async () => {
    await using repo = await withChangeChunk();
    const listed = lines(await repo.ok('files', 't@HEAD'));
    const store = () => fsp.readdir(repo.path('.lakegit/chunks')).then((f) => f.sort());
    const after = await store();
    await repo.ok('gc');
    expect(await store()).toEqual(after);
    const quoted = listed.map((p) => `'${p}'`).join(', ');
    const rows = JSON.parse(await repo.ok('sql', `select count(*) as n from read_parquet([${quoted}])`, '--format', 'json'));
    expect(rows).toEqual([{ n: 501 }]);
    // The compaction is recorded: the second call reuses it, writing no chunk.
    const stats = await Promise.all(listed.map((p) => fsp.stat(p).then((s) => s.mtimeMs)));
    expect(lines(await repo.ok('files', 't@HEAD'))).toEqual(listed);
    expect(await store()).toEqual(after);
    expect(await Promise.all(listed.map((p) => fsp.stat(p).then((s) => s.mtimeMs)))).toEqual(stats);
  });

  it('files: read_parquet of the list is exactly the table, each row once', async () => {
    await using repo = await withChangeChunk();
    const quoted = (await repo.ok('files', 't@HEAD', '--quoted')).trim();
    expect(quoted).toMatch(/^'[^']+\.parquet'(, '[^']+\.parquet')*$/);
    const q = (sql: string) => repo.ok('sql', sql, '--format', 'json').then(JSON.parse);
    const list = `read_parquet([${quoted}])`;
    expect(await q(`select count(*) as n, count(distinct id) as k from ${list}`)).toEqual([{ n: 501, k: 501 }]);
    expect(
      await q(`(select * from ${list} except select * from t@HEAD) union all (select * from t@HEAD except select * from ${list})`),
    ).toEqual([]);
    expect(await q(`select name from ${list} where id = 7`)).toEqual([{ name: 'changed' }]);
  });

  it('files: absolute by default, --relative to the root, --json as an array', async () => {
    await using repo = await withChangeChunk();
    const abs = lines(await repo.ok('files', 't@HEAD~1'));
    expect(abs.every((p) => path.isAbsolute(p) && p.startsWith(path.join(repo.dir, '.lakegit', 'chunks')))).toBe(true);
    await repo.write('sub/keep.txt', '');
    const rel = lines(await repo.ok('-C', 'sub', 'files', 't@HEAD~1', '--relative'));
    expect(rel).toEqual(abs.map((p) => path.relative(repo.dir, p)));
    expect(JSON.parse(await repo.ok('files', 't@HEAD~1', '--json'))).toEqual(abs);
  });

  it('files: an unknown table or revision is exit 2 naming it', async () => {
    await using repo = await withChangeChunk();
    const t = await repo.run('files', 'nope@HEAD');
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toContain("'nope'");
    const r = await repo.run('files', 't@nope');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown revision 'nope'");
  });
});
