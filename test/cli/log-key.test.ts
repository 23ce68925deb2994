import { afterAll, describe, expect, it } from 'vitest';
import type { CommitOutcome } from '../../src/ops/commit.js';
import { Repo } from '../../src/repo.js';
import { tempRepo, type TempRepo, commitMade } from '../helpers.js';

// The histories are built in-process (the API the CLI calls, without a process and a DuckDB load per
// step); `log --key` under test runs the real CLI.

/** Write orders.csv and `commit -a` it as `author`; returns the new commit id. */
async function commitAs(repo: TempRepo, author: string, message: string, text: string): Promise<string> {
  await repo.write('orders.csv', text);
  return committed(await (await Repo.open(repo.dir)).commit({ message, all: true, author }));
}

/** Track the files (`key` null: keyless) and commit them. */
async function loadCommit(repo: TempRepo, files: Record<string, string[] | null>, author?: string): Promise<string> {
  const a = await Repo.open(repo.dir);
  for (const [file, key] of Object.entries(files))
    await a.add({ paths: [file], cwd: repo.dir, key: key ?? undefined, keyless: key === null });
  return committed(await a.commit({ message: 'load', author }));
}

function committed(r: CommitOutcome): string {
  if (r.status !== 'committed') throw new Error(`set-up commit refused: ${JSON.stringify(r)}`);
  return r.oid;
}

interface Entry {
  commit: string;
  author: string;
  table: string;
  row: { op: string; key: unknown; before: unknown; after: unknown; changed: string[] };
}
const history = async (repo: TempRepo, ...args: string[]): Promise<Entry[]> => JSON.parse(await repo.ok('log', ...args, '--json'));

afterAll(() => Repo.close());

describe('log --key', { timeout: 180_000 }, () => {
  it('log --key: the commits that added, changed, removed and re-added a row, newest first, with before and after', async () => {
    // id 2: load (added) -> c1 (amount 20 -> 25) -> c2 (other row only) -> c3 (removed) -> c4 (added again)
    await using repo = await tempRepo({ 'orders.csv': 'id,amount,status\n1,10,new\n2,20,new\n' });
    const load = await loadCommit(repo, { 'orders.csv': ['id'] }, 'Ann <ann@x.io>');
    const c1 = await commitAs(repo, 'Bob <bob@x.io>', 'bump 2', 'id,amount,status\n1,10,new\n2,25,new\n');
    await commitAs(repo, 'Bob <bob@x.io>', 'touch 1', 'id,amount,status\n1,11,new\n2,25,new\n');
    const c3 = await commitAs(repo, 'Cat <cat@x.io>', 'drop 2', 'id,amount,status\n1,11,new\n');
    const c4 = await commitAs(repo, 'Ann <ann@x.io>', 'restore 2', 'id,amount,status\n1,11,new\n2,25,paid\n');
    const h = await history(repo, '--table', 'orders', '--key', 'id=2');
    expect(h.map((e) => [e.commit, e.row.op])).toEqual([
      [c4, 'added'],
      [c3, 'removed'],
      [c1, 'modified'],
      [load, 'added'],
    ]);
    expect(h[0]).toMatchObject({ author: 'Ann <ann@x.io>', table: 'orders' });
    expect(h[0].row).toEqual({ op: 'added', key: { id: 2 }, before: null, after: { id: 2, amount: 25, status: 'paid' }, changed: [] });
    expect(h[1].row).toEqual({ op: 'removed', key: { id: 2 }, before: { id: 2, amount: 25, status: 'new' }, after: null, changed: [] });
    expect(h[2].row).toEqual({
      op: 'modified',
      key: { id: 2 },
      before: { id: 2, amount: 20, status: 'new' },
      after: { id: 2, amount: 25, status: 'new' },
      changed: ['amount'],
    });
    // The value is cast with the key column's type; -n limits; --oneline and the default text render the same entries.
    expect((await history(repo, '--key', 'id=002', '-n', '2')).map((e) => e.commit)).toEqual([c4, c3]);
    expect((await repo.ok('log', '--key', 'id=2', '--oneline')).trim().split('\n')).toEqual([
      `${c4.slice(0, 7)} added    restore 2`,
      `${c3.slice(0, 7)} removed  drop 2`,
      `${c1.slice(0, 7)} modified bump 2`,
      `${load.slice(0, 7)} added    load`,
    ]);
    const text = await repo.ok('log', '--key', 'id=2', '-n', '3');
    expect(text).toContain('orders id=2: modified\n      amount: 20 -> 25');
    expect(text).toContain('orders id=2: removed\n      - id=2, amount=25, status=new');
    expect(text).not.toContain('touch 1');
    // A revision to start from.
    expect((await history(repo, 'HEAD~2', '--key', 'id=2')).map((e) => e.commit)).toEqual([c1, load]);
  });

  it('log --key: composite keys name every key column; history through a merge follows the parent the row came from', async () => {
    await using repo = await tempRepo({ 'orders.csv': 'region,id,amount\neu,1,10\nus,1,20\n' });
    const load = await loadCommit(repo, { 'orders.csv': ['region', 'id'] }, 'Ann <ann@x.io>');
    const a = await Repo.open(repo.dir);
    await a.checkout({ target: 'HEAD', create: 'side' });
    const bob = await commitAs(repo, 'Bob <bob@x.io>', 'side: eu 1', 'region,id,amount\neu,1,11\nus,1,20\n');
    await a.checkout({ target: 'main' });
    const ann = await commitAs(repo, 'Ann <ann@x.io>', 'main: us 1', 'region,id,amount\neu,1,10\nus,1,21\n');
    await repo.write('orders.csv', 'region,id,amount\neu,1,11\nus,1,22\n');
    await a.add({ paths: ['orders.csv'], cwd: repo.dir });
    process.env.LAKEGIT_AUTHOR_DATE = '2026-01-01T00:00:00Z';
    const merge = commitMade(
      await (await Repo.open(repo.dir)).commit({ message: 'merge side', author: 'Cat <cat@x.io>', extraParents: [bob] }),
    ).oid;
    // eu/1 came unchanged from the side branch: the merge is not listed, Bob's commit is.
    expect((await history(repo, '--key', 'region=eu', '--key', 'id=1')).map((e) => e.commit)).toEqual([bob, load]);
    // us/1 was resolved to a value neither side had: the merge is listed, against its first parent.
    const us = await history(repo, '--key', 'id=1', '--key', 'region=us');
    expect(us.map((e) => e.commit)).toEqual([merge, ann, load]);
    expect(us[0].row).toMatchObject({
      op: 'modified',
      before: { region: 'us', id: 1, amount: 21 },
      after: { region: 'us', id: 1, amount: 22 },
    });
  });

  it("log --key: a key that is not the table's, a value its type cannot hold, a keyless table or an ambiguous table is bad input", async () => {
    await using repo = await tempRepo({ 'orders.csv': 'id,amount\n1,10\n', 'cities.csv': 'city\nOslo\n' });
    await loadCommit(repo, { 'orders.csv': ['id'], 'cities.csv': null });
    const cases: [string[], RegExp][] = [
      [['--table', 'orders', '--key', 'amount=10'], /--key must give each primary-key column of 'orders' once: id/],
      [['--table', 'orders', '--key', 'id=abc'], /--key value does not fit the key column's type: id=abc \(BIGINT\)/],
      [['--table', 'orders', '--key', 'id'], /--key 'id' is not col=value/],
      [['--table', 'cities', '--key', 'city=Oslo'], /table 'cities' has no primary key/],
      [['--key', 'zz=1'], /no table of this revision has the primary key zz/],
      [['--table', 'nope', '--key', 'id=1'], /no table 'nope'/],
    ];
    for (const [args, msg] of cases) {
      const r = await repo.run('log', ...args);
      expect.soft(r.exitCode, args.join(' ')).toBe(2);
      expect.soft(r.stderr, args.join(' ')).toMatch(msg);
    }
  });
});
