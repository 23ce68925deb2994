import { afterAll, describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { tempRepo, type TempRepo, commitMade } from '../helpers.js';
import { newRepo } from './core-helpers.js';

const ANN = 'Ann <ann@x.io>';
const BOB = 'Bob <bob@x.io>';
const CAT = 'Cat <cat@x.io>';

// The histories are built in-process (the API the CLI calls, without a process and a DuckDB load per
// step); blame, merge, revert and the other verbs under test run the real CLI.

/** Write the file and commit it (`commit -a`) as `author`; returns the new commit id. */
async function commitAs(repo: TempRepo, author: string, message: string, text: string, file = 'orders.csv'): Promise<string> {
  await repo.write(file, text);
  return commitMade(await (await Repo.open(repo.dir)).commit({ message, all: true, author })).oid;
}

async function start(text: string, key = ['--key', 'id']): Promise<{ repo: TempRepo; load: string }> {
  const repo = await newRepo({ 'orders.csv': text });
  const a = await Repo.open(repo.dir);
  await a.add({ paths: ['orders.csv'], cwd: repo.dir, ...(key[0] === '--keyless' ? { keyless: true } : { key: [key[1]] }) });
  return { repo, load: commitMade(await a.commit({ message: 'load', author: ANN })).oid };
}

/** In-process `log -n 1`: the commit HEAD names (after a verb under test made it). */
const head = async (repo: TempRepo) => (await (await Repo.open(repo.dir)).log({ n: 1 }))[0];

/**
 * In-process `log [--table t] --key col=val`: the commits that changed one row, to check that they
 * agree with blame (the verb under test here; log-key.test.ts runs `log --key` itself).
 */
const keyLog = async (repo: TempRepo, col: string, value: string, table?: string): Promise<string[]> =>
  (await (await Repo.open(repo.dir)).rowHistory({ table, key: [[col, value]] })).map((e) => e.commit);

/** In-process `checkout [-b] <branch>`, for set-up. */
const checkout = async (repo: TempRepo, branch: string, create = false) =>
  (await Repo.open(repo.dir)).checkout(create ? { target: 'HEAD', create: branch } : { target: branch });

interface Blamed {
  key: Record<string, unknown>;
  commit: string;
  author: string;
  message: string;
  cells?: Record<string, { commit: string; author: string }>;
}
const blame = async (repo: TempRepo, ...args: string[]): Promise<Blamed[]> => JSON.parse(await repo.ok('blame', ...args, '--json')).rows;
const commitsById = (rows: Blamed[]) => Object.fromEntries(rows.map((r) => [String(r.key.id), r.commit]));

afterAll(() => Repo.close());

describe('blame', { timeout: 180_000 }, () => {
  it('blame: inserts, updates and a delete then re-insert are blamed on the commits that made each row as it is', async () => {
    // id  load -> c1 (update 2, insert 4) -> c2 (delete 3) -> c3 (re-insert 3)
    const { repo, load } = await start('id,amount,status\n1,10,new\n2,20,new\n3,30,new\n');
    await using _ = repo;
    const c1 = await commitAs(repo, BOB, 'update 2, insert 4', 'id,amount,status\n1,10,new\n2,21,new\n3,30,new\n4,40,new\n');
    await commitAs(repo, CAT, 'delete 3', 'id,amount,status\n1,10,new\n2,21,new\n4,40,new\n');
    const c3 = await commitAs(repo, ANN, 're-insert 3', 'id,amount,status\n1,10,new\n2,21,new\n3,30,new\n4,40,new\n');
    const out = JSON.parse(await repo.ok('blame', 'orders@HEAD', '--json'));
    expect(out.table).toBe('orders');
    expect(out.rev).toBe(c3);
    expect(commitsById(out.rows)).toEqual({ 1: load, 2: c1, 3: c3, 4: c1 });
    expect(out.rows[1]).toEqual({ key: { id: 2 }, commit: c1, author: BOB, date: '2026-01-01T00:00:00Z', message: 'update 2, insert 4' });
    expect(commitsById(await blame(repo, 'orders@HEAD~2'))).toEqual({ 1: load, 2: c1, 3: load, 4: c1 });
  });

  it('blame: a change later reverted by committing the old contents is blamed on the revert commit', async () => {
    const { repo, load } = await start('id,amount\n1,10\n2,20\n');
    await using _ = repo;
    await commitAs(repo, BOB, 'bump 1', 'id,amount\n1,99\n2,20\n');
    const revert = await commitAs(repo, CAT, 'revert bump', 'id,amount\n1,10\n2,20\n');
    expect(commitsById(await blame(repo, 'orders'))).toEqual({ 1: revert, 2: load });
  });

  it('blame: --cells shows, per cell, the commit that last changed it; the row commit is the newest of them', async () => {
    const { repo, load } = await start('id,amount,status\n1,10,new\n2,20,new\n');
    await using _ = repo;
    const ann = await commitAs(repo, ANN, 'amount of 1', 'id,amount,status\n1,11,new\n2,20,new\n');
    const bob = await commitAs(repo, BOB, 'status of 1', 'id,amount,status\n1,11,paid\n2,20,new\n');
    const rows = await blame(repo, 'orders', '--cells');
    expect(rows[0].commit).toBe(bob);
    expect(rows[0].cells).toEqual({
      amount: { commit: ann, author: ANN, date: '2026-01-01T00:00:00Z' },
      status: { commit: bob, author: BOB, date: '2026-01-01T00:00:00Z' },
    });
    expect(Object.values(rows[1].cells!).map((c) => c.commit)).toEqual([load, load]);
    const only = await blame(repo, 'orders', '--cells', '--columns', 'amount');
    expect(Object.keys(only[0].cells!)).toEqual(['amount']);
    expect(only[0].commit).toBe(ann); // only changes to the named columns count
    const text = await repo.ok('blame', 'orders', '--cells');
    expect(text.split('\n')[0]).toMatch(/^id\s+COMMIT\s+amount\s+status\s+AUTHOR\s+DATE\s+MESSAGE/);
    expect(text.split('\n')[1]).toMatch(
      new RegExp(`^1\\s+${bob.slice(0, 7)}\\s+${ann.slice(0, 7)}\\s+${bob.slice(0, 7)}\\s+Bob\\s+2026-01-01\\s+status of 1$`),
    );
  });

  it('blame: through a merge, rows from one side keep their commit; rows combined or resolved by the merge are blamed on it', async () => {
    // base: 1..4 -> main (Ann): amount of 1 and 3 ; side (Bob): status of 1 and 2, amount of 3 ; merge on main
    const { repo, load } = await start('id,amount,status\n1,10,new\n2,20,new\n3,30,new\n4,40,new\n');
    await using _ = repo;
    await checkout(repo, 'side', true);
    const bob = await commitAs(repo, BOB, 'side work', 'id,amount,status\n1,10,paid\n2,20,paid\n3,33,new\n4,40,new\n');
    await checkout(repo, 'main');
    const ann = await commitAs(repo, ANN, 'main work', 'id,amount,status\n1,11,new\n2,20,new\n3,31,new\n4,40,new\n');
    await repo.write('orders.csv', 'id,amount,status\n1,11,paid\n2,20,paid\n3,35,new\n4,40,new\n');
    await (await Repo.open(repo.dir)).add({ paths: ['orders.csv'], cwd: repo.dir });
    process.env.LAKEGIT_AUTHOR_DATE = '2026-01-01T00:00:00Z';
    const merge = commitMade(await (await Repo.open(repo.dir)).commit({ message: 'merge side', author: CAT, extraParents: [bob] })).oid;
    expect(commitsById(await blame(repo, 'orders'))).toEqual({ 1: merge, 2: bob, 3: merge, 4: load });
    const cells = await blame(repo, 'orders', '--cells');
    expect(cells[0].cells!.amount.commit).toBe(ann); // as on the first parent
    expect(cells[0].cells!.status.commit).toBe(bob); // as on the second parent, where Bob made it (issue 16, defect 1)
    expect(cells[1].cells!.status.commit).toBe(bob);
    expect(cells[2].cells!.amount.commit).toBe(merge); // the conflict's resolution
  });

  it("blame: after `lakegit merge` of changes on both sides, each row keeps its side's commit; a row combining both is the merge's", async () => {
    const { repo, load } = await start('id,amount,status\n1,10,new\n2,20,new\n3,30,new\n4,40,new\n');
    await using _ = repo;
    await checkout(repo, 'side', true);
    const bob = await commitAs(repo, BOB, 'side work', 'id,amount,status\n1,10,paid\n2,21,new\n3,30,new\n4,40,new\n');
    await checkout(repo, 'main');
    const ann = await commitAs(repo, ANN, 'main work', 'id,amount,status\n1,11,new\n2,20,new\n3,31,new\n4,40,new\n');
    await repo.ok('merge', 'side', '-m', 'merge side');
    const merge = await head(repo);
    expect(merge.parents).toEqual([ann, bob]);
    expect(commitsById(await blame(repo, 'orders'))).toEqual({ 1: merge.commit, 2: bob, 3: ann, 4: load });
    const cells = await blame(repo, 'orders@HEAD', '--cells');
    expect([cells[0].cells!.amount.commit, cells[0].cells!.status.commit]).toEqual([ann, bob]);
    // The row itself matches neither parent: row blame, also under --cells, is the merge's.
    expect(cells[0].commit).toBe(merge.commit);
    expect([cells[1].cells!.amount.commit, cells[1].cells!.status.commit]).toEqual([bob, load]);
  });

  it('blame: issue 16 defect 1 — Ann edits a, Bob edits b of one row on two branches; after `merge B`, cell b is Bob’s, a is Ann’s', async () => {
    // row 1: load (a=1,b=1) -> main: Ann a=2 ; B: Bob b=2 ; merge B on main (Cat): a=2,b=2 ; row 2 untouched
    const { repo, load } = await start('id,a,b\n1,1,1\n2,1,1\n');
    await using _ = repo;
    await checkout(repo, 'B', true);
    const bob = await commitAs(repo, BOB, 'bob: b of 1', 'id,a,b\n1,1,2\n2,1,1\n');
    await checkout(repo, 'main');
    const ann = await commitAs(repo, ANN, 'ann: a of 1', 'id,a,b\n1,2,1\n2,1,1\n');
    await repo.ok('merge', 'B', '-m', 'merge B');
    const merge = (await head(repo)).commit;
    expect(await repo.read('orders.csv')).toBe('id,a,b\n1,2,2\n2,1,1\n');
    const cells = await blame(repo, 'orders', '--cells');
    expect(cells.map((r) => [r.commit, r.cells!.a.commit, r.cells!.b.commit])).toEqual([
      [merge, ann, bob],
      [load, load, load],
    ]);
    expect(commitsById(await blame(repo, 'orders@HEAD'))).toEqual({ 1: merge, 2: load });
    // Blaming one column follows that column alone: b of row 1 was last made by Bob.
    expect(commitsById(await blame(repo, 'orders', '--columns', 'b'))).toEqual({ 1: bob, 2: load });
    // log --key agrees: the merge made a row neither parent had, and each side changed it.
    const log = await keyLog(repo, 'id', '1');
    expect(log[0]).toBe(merge);
    expect([...log].sort()).toEqual([merge, ann, bob, load].sort());
    expect(await keyLog(repo, 'id', '2')).toEqual([load]);
  });

  it('check --into --blame: a violating row of the merge result is blamed as through a merge — target, source, or the merge', async () => {
    // id 2: Bob on `load` makes it negative ; id 3: Ann on main ; id 4: Ann's amount and Bob's status combine in the merge
    const yaml = 'checks:\n  orders:\n    range: { amount: { min: 0 } }\n';
    const repo = await newRepo({ 'orders.csv': 'id,amount,status\n1,1,new\n2,2,new\n3,3,new\n4,4,new\n', 'lakegit.yaml': yaml });
    await using _ = repo;
    const a = await Repo.open(repo.dir);
    await a.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
    await a.add({ paths: ['lakegit.yaml'], cwd: repo.dir });
    await a.commit({ message: 'load', author: CAT });
    await checkout(repo, 'load', true);
    await repo.write('orders.csv', 'id,amount,status\n1,1,new\n2,-2,new\n3,3,new\n4,4,paid\n');
    const bob = commitMade(await (await Repo.open(repo.dir)).commit({ message: 'bob', all: true, noVerify: true, author: BOB })).oid;
    await checkout(repo, 'main');
    await repo.write('orders.csv', 'id,amount,status\n1,1,new\n2,2,new\n3,-3,new\n4,-4,new\n');
    const ann = commitMade(await (await Repo.open(repo.dir)).commit({ message: 'ann', all: true, noVerify: true, author: ANN })).oid;
    const r = await repo.run('check', 'load', '--into', 'main', '--blame', '--json');
    expect(r.exitCode).toBe(1);
    const range = JSON.parse(r.stdout).checks.find((c: { check: string }) => c.check === 'range(amount)');
    const by = Object.fromEntries(range.introducedBy.map((i: { key: { id: number }; commit: string | null }) => [i.key.id, i.commit]));
    expect(by).toEqual({ 2: bob, 3: ann, 4: null });
  });

  it('blame: issue 16 defect 10 — a commit that turns a column to VARCHAR changes only the rows whose values changed', async () => {
    const { repo, load } = await start('id,v\n1,10\n2,20\n3,30\n');
    await using _ = repo;
    const na = await commitAs(repo, BOB, 'row 1 unknown', 'id,v\n1,n/a\n2,20\n3,30\n');
    const diff = JSON.parse(await repo.ok('diff', 'HEAD~1', 'HEAD', '--json'));
    expect(JSON.stringify(diff)).toContain('n/a');
    expect(commitsById(await blame(repo, 'orders@HEAD'))).toEqual({ 1: na, 2: load, 3: load });
    expect((await blame(repo, 'orders', '--cells')).map((r) => r.cells!.v.commit)).toEqual([na, load, load]);
    expect(await keyLog(repo, 'id', '2')).toEqual([load]);
    expect(await keyLog(repo, 'id', '1')).toEqual([na, load]);
    // Back to numbers: 20 read as text '20' and as the number 20 is the same value; 3 changed.
    const back = await commitAs(repo, CAT, 'numbers again', 'id,v\n1,10\n2,20\n3,31\n');
    expect(commitsById(await blame(repo, 'orders@HEAD'))).toEqual({ 1: back, 2: load, 3: back });
    expect(await keyLog(repo, 'id', '2')).toEqual([load]);
    expect(await keyLog(repo, 'id', '3')).toEqual([back, load]);
  });

  it('blame: issue 16 defect 7 — user columns named like internal names (w, c, filename, n, __lg_h0, __op) change nothing', async () => {
    // Keyless table k with a column w: one line per row, each on the commit that made it.
    const repo = await tempRepo({ 'k.csv': 'name,w,c,n\na,1,x,5\nb,2,y,6\nb,2,y,6\n' });
    await using _ = repo;
    const a = await Repo.open(repo.dir);
    await a.add({ paths: ['k.csv'], cwd: repo.dir, keyless: true });
    const load = commitMade(await a.commit({ message: 'load', author: ANN })).oid;
    const grow = await commitAs(repo, BOB, 'one more', 'name,w,c,n\na,1,x,5\nb,2,y,6\nb,2,y,6\nd,4,z,7\n', 'k.csv');
    const rows = await blame(repo, 'k@HEAD');
    expect(rows.map((r) => [r.key.name, r.commit])).toEqual([
      ['a', load],
      ['b', load],
      ['b', load],
      ['d', grow],
    ]);
    const text = (await repo.ok('blame', 'k@HEAD')).trim().split('\n');
    expect(text.filter((l) => /^[abd],/.test(l))).toHaveLength(4); // one line per row (and a header), not 13
    // The working tree's version: an uncommitted copy of b, the rest as committed.
    await repo.write('k.csv', 'name,w,c,n\na,1,x,5\nb,2,y,6\nb,2,y,6\nb,2,y,6\nd,4,z,7\n');
    expect((await blame(repo, 'k')).map((r) => [r.key.name, r.commit])).toEqual([
      ['a', load],
      ['b', '0'.repeat(40)], // copies of a row: the newest commit first
      ['b', load],
      ['b', load],
      ['d', grow],
    ]);
    // Keyed: the same names, plus filename, __lg_h0 and __op, through blame, --cells and log --key.
    const names = 'id,w,c,filename,__lg_h0,__lg_p0,__op,select';
    await repo.write('t.csv', `${names}\n1,1,x,f,h,p,o,s\n2,2,y,g,i,q,o,s\n`);
    await (await Repo.open(repo.dir)).add({ paths: ['t.csv'], cwd: repo.dir, key: ['id'] });
    const addT = commitMade(await (await Repo.open(repo.dir)).commit({ message: 'add t', author: ANN })).oid;
    const edit = await commitAs(repo, CAT, 'edit t', `${names}\n1,1,x,F,h,p,o,s\n2,2,y,g,i,q,o,s\n`, 't.csv');
    expect(commitsById(await blame(repo, 't@HEAD'))).toEqual({ 1: edit, 2: addT });
    const cells = await blame(repo, 't', '--cells');
    expect(Object.entries(cells[0].cells!).map(([k, v]) => [k, v.commit])).toEqual(
      ['w', 'c', 'filename', '__lg_h0', '__lg_p0', '__op', 'select'].map((k) => [k, k === 'filename' ? edit : addT]),
    );
    await repo.write('t.csv', `${names}\n1,1,x,F,h,p,o,s\n2,2,Y,g,i,q,o,s\n`);
    expect(commitsById(await blame(repo, 't'))).toEqual({ 1: edit, 2: '0'.repeat(40) });
    expect(await keyLog(repo, 'id', '1', 't')).toEqual([edit, addT]);
  });

  it('blame: `lakegit revert` blames the rows it restored on the revert commit', async () => {
    const { repo } = await start('id,amount\n1,10\n2,20\n3,30\n');
    await using _ = repo;
    const bump = await commitAs(repo, BOB, 'bump 1 and 3', 'id,amount\n1,99\n2,20\n3,33\n');
    const cat = await commitAs(repo, CAT, 'bump 2', 'id,amount\n1,99\n2,22\n3,33\n');
    await repo.ok('revert', bump);
    const revert = (await head(repo)).commit;
    expect(commitsById(await blame(repo, 'orders'))).toEqual({ 1: revert, 2: cat, 3: revert });
    expect(commitsById(await blame(repo, 'orders@HEAD~1'))).toEqual({ 1: bump, 2: cat, 3: bump });
  });

  it('blame: a renamed table is followed to the commits before the rename, also when the rename commit changed rows', async () => {
    const { repo, load } = await start('id,amount\n1,10\n2,20\n3,30\n');
    await using _ = repo;
    const bob = await commitAs(repo, BOB, 'bump 2', 'id,amount\n1,10\n2,21\n3,30\n');
    await (await Repo.open(repo.dir)).mv('orders', 'sales');
    await (await Repo.open(repo.dir)).commit({ message: 'rename', author: CAT });
    expect(commitsById(await blame(repo, 'sales@HEAD'))).toEqual({ 1: load, 2: bob, 3: load });
    await (await Repo.open(repo.dir)).mv('sales', 'deals');
    const moved = await commitAs(repo, ANN, 'rename and bump 3', 'id,amount\n1,10\n2,21\n3,31\n');
    expect(commitsById(await blame(repo, 'deals'))).toEqual({ 1: load, 2: bob, 3: moved });
  });

  it('blame: a keyless table is blamed by row content, one line per copy', async () => {
    const { repo, load } = await start('city,n\nOslo,1\nRome,2\n', ['--keyless']);
    await using _ = repo;
    const bob = await commitAs(repo, BOB, 'more', 'city,n\nOslo,1\nRome,2\nOslo,1\nLima,3\n');
    const rows = await blame(repo, 'orders');
    expect(rows.map((r) => [r.key, r.commit])).toEqual([
      [{ city: 'Lima', n: 3 }, bob],
      [{ city: 'Oslo', n: 1 }, bob],
      [{ city: 'Oslo', n: 1 }, load],
      [{ city: 'Rome', n: 2 }, load],
    ]);
  });

  it('blame: --where narrows the rows; a filter matching nothing gives no rows and exit 0; a broken one is bad input', async () => {
    const { repo, load } = await start('id,customer_id,amount\n1,42,10\n2,7,20\n3,42,30\n');
    await using _ = repo;
    expect(commitsById(await blame(repo, 'orders', '--where', 'customer_id = 42'))).toEqual({ 1: load, 3: load });
    const none = await repo.run('blame', 'orders', '--where', 'customer_id = 1000', '--json');
    expect(none.exitCode).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual({ table: 'orders', rev: 'WORKING', rows: [] });
    expect((await repo.run('blame', 'orders', '--where', 'customer_id = 1000')).stdout).toBe('');
    const bad = await repo.run('blame', 'orders', '--where', 'no_such_column = 1');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/lakegit: error: --where 'no_such_column = 1' is not a valid filter/);
  });

  it('blame: uncommitted rows of the working file are "Not Committed Yet"; committed ones keep their commit', async () => {
    const { repo, load } = await start('id,amount\n1,10\n2,20\n');
    await using _ = repo;
    await repo.write('orders.csv', 'id,amount\n1,10\n2,25\n3,30\n');
    const rows = await blame(repo, 'orders');
    expect(rows.map((r) => [r.key.id, r.commit, r.author])).toEqual([
      [1, load, ANN],
      [2, '0'.repeat(40), 'Not Committed Yet <not.committed.yet>'],
      [3, '0'.repeat(40), 'Not Committed Yet <not.committed.yet>'],
    ]);
    await (await Repo.open(repo.dir)).add({ paths: ['orders.csv'], cwd: repo.dir }); // staged but not committed: still not committed
    expect((await blame(repo, 'orders')).map((r) => r.commit.slice(0, 7))).toEqual([load.slice(0, 7), '0000000', '0000000']);
  });

  it('blame: a column added later blames every row on that commit, except for cells of the older columns', async () => {
    const { repo, load } = await start('id,amount\n1,10\n2,20\n');
    await using _ = repo;
    const added = await commitAs(repo, BOB, 'add note', 'id,amount,note\n1,10,x\n2,20,y\n');
    expect(commitsById(await blame(repo, 'orders'))).toEqual({ 1: added, 2: added });
    const cells = await blame(repo, 'orders', '--cells');
    expect(cells.map((r) => [r.cells!.amount.commit, r.cells!.note.commit])).toEqual([
      [load, added],
      [load, added],
    ]);
  });

  it('blame: --format csv has the key, the commit columns and a triple per blamed column; odd table names are quoted, not pasted', async () => {
    const repo = await tempRepo({ 'my orders.csv': 'id,name\n1,"a, b"\n' });
    await using _ = repo;
    const a = await Repo.open(repo.dir);
    await a.add({ paths: ['my orders.csv'], cwd: repo.dir, key: ['id'] });
    const head = commitMade(await a.commit({ message: 'load "quoted", message', author: ANN })).oid;
    const out = await repo.ok('blame', '"my orders"@HEAD', '--format', 'csv', '--cells');
    expect(out).toBe(
      `id,commit,author,date,message,name_commit,name_author,name_date\n1,${head},Ann <ann@x.io>,2026-01-01T00:00:00Z,"load ""quoted"", message",${head},Ann <ann@x.io>,2026-01-01T00:00:00Z\n`,
    );
  });

  it('blame: unknown table, revision or column is exit 2 naming it', async () => {
    const { repo } = await start('id,amount\n1,10\n');
    await using _ = repo;
    const cases: [string[], RegExp][] = [
      [['blame', 'nope'], /no table 'nope'/],
      [['blame', 'orders@nope'], /unknown revision 'nope'/],
      [['blame', 'orders', '--cells', '--columns', 'amount,zzz'], /no column 'zzz' in table 'orders'/],
    ];
    for (const [args, msg] of cases) {
      const r = await repo.run(...args);
      expect.soft(r.exitCode).toBe(2);
      expect.soft(r.stderr).toMatch(msg);
    }
  });
});
