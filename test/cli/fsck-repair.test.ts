import { promises as fsp } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { quoteLiteral } from '../../src/engine/quote.js';
import type { Repo } from '../../src/repo.js';
import type { TempRepo } from '../helpers.js';
import { api, lines, newRepo } from './core-helpers.js';
import { addOrigin, cloneInto, newRemote } from './remote-helpers.js';

vi.setConfig({ testTimeout: 180_000 });

// A chunk file damaged as the dictionary bug of before 2026-12-06 damaged them: its -0.0 stored as 0.0, so
// its rows no longer hash to its id (what fsck reports, and what a re-add could not mend: the id exists).
const ROWS = '{"id":1,"x":-0.0,"s":"a"}\n{"id":2,"x":1.5,"s":"b"}\n{"id":3,"x":2.5,"s":"c"}\n';

async function damage(file: string): Promise<void> {
  const engine = await Engine.get();
  const tmp = `${file}.tmp`;
  await engine.run(`COPY (SELECT id, abs(x) AS x, s FROM read_parquet(${quoteLiteral(file)})) TO ${quoteLiteral(tmp)} (FORMAT parquet)`);
  await fsp.rename(tmp, file);
}

const chunkFile = async (repo: TempRepo) => lines(await repo.ok('files', 't@HEAD'))[0];
const idOf = (file: string) => file.match(/([0-9a-f]{64})\.parquet$/)![1];

/** `t.jsonl` added (set-up in-process) and committed: the API and the path of the table's one chunk. */
async function committed(repo: TempRepo): Promise<{ a: Repo; file: string }> {
  const a = await api(repo);
  await a.add({ paths: ['t.jsonl'], cwd: repo.dir, key: ['id'] });
  await a.commit({ message: 'load' });
  return { a, file: await chunkFile(repo) };
}

describe('fsck --repair', () => {
  it('a damaged chunk is moved aside and written again from the working file that holds its rows', async () => {
    await using repo = await newRepo({ 't.jsonl': ROWS });
    const { file } = await committed(repo);
    const id = idOf(file);
    await damage(file);
    expect((await repo.run('fsck')).exitCode).toBe(1);

    const r = await repo.run('fsck', '--repair');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      `moved damaged chunk ${id} to .lakegit/damaged/\nrestored chunk ${id} from t.jsonl\nchecked 1 commits, 1 manifests, 1 chunks: ok\n`,
    );
    expect(await repo.exists(`.lakegit/damaged/${id}.parquet`)).toBe(true);
    expect(JSON.parse(await repo.ok('sql', '--json', 'SELECT signbit(x) AS neg FROM t ORDER BY id'))).toEqual([
      { neg: true },
      { neg: false },
      { neg: false },
    ]);
    expect((await repo.run('fsck')).exitCode).toBe(0);
  });

  it('a chunk whose rows no file holds stays a problem (exit 1, nothing written); with the rows back it is restored', async () => {
    await using repo = await newRepo({ 't.jsonl': ROWS });
    const { a, file } = await committed(repo);
    const id = idOf(file);
    await fsp.rm(file);
    await repo.write('t.jsonl', ROWS.replace('"b"', '"B"'));
    const before = await fsp.readdir(repo.path('.lakegit/chunks'));

    const r = await repo.run('fsck', '--repair', '--json');
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.repair).toEqual({ restored: [], quarantined: [] });
    expect(out.problems).toEqual([{ kind: 'missing-chunk', what: id, detail: 'chunk file is missing' }]);
    expect(await fsp.readdir(repo.path('.lakegit/chunks'))).toEqual(before);

    await repo.write('t.jsonl', ROWS);
    expect((await a.fsck({ repair: true })).repair?.restored).toEqual([{ id, from: 't.jsonl' }]);
    expect((await a.fsck()).problems).toEqual([]);
  });

  it('a damaged chunk nothing can replace stays where it is, still reported', async () => {
    await using repo = await newRepo({ 't.jsonl': ROWS });
    const { file } = await committed(repo);
    await damage(file);
    await fsp.rm(repo.path('t.jsonl'));
    const damaged = await fsp.readFile(file);
    const r = await repo.run('fsck', '--repair');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`bad-chunk ${idOf(file)}: rows hash to`);
    expect(r.stdout).not.toContain('moved damaged');
    expect(await fsp.readFile(file)).toEqual(damaged);
    // As a repair killed after moving the file aside left it: the next repair, finding no replacement, puts it back.
    await fsp.mkdir(repo.path('.lakegit/damaged'), { recursive: true });
    await fsp.rename(file, repo.path(`.lakegit/damaged/${idOf(file)}.parquet`));
    expect((await repo.run('fsck', '--repair')).stdout).toContain(`bad-chunk ${idOf(file)}: rows hash to`);
    expect(await fsp.readFile(file)).toEqual(damaged);
  });

  it("a clone's damaged chunk comes back from the remote's chunk store, checked against its id", async () => {
    const remote = await newRemote('path');
    await using ann = await newRepo({ 't.jsonl': ROWS });
    await committed(ann);
    await addOrigin(ann, remote.url);
    await ann.ok('push', '-u', 'origin', 'main');
    await using bob = await cloneInto(remote.url);
    const file = await chunkFile(bob);
    const id = idOf(file);
    await damage(file);
    await fsp.rm(bob.path('t.jsonl')); // no working file: the store is the only source

    const r = await bob.run('fsck', '--repair');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`restored chunk ${id} from remote chunk store`);
    expect((await (await api(bob)).fsck()).problems).toEqual([]);
  });
});
