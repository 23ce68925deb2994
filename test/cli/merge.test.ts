import { describe, expect, it } from 'vitest';
import { snapshotDir, spawnCli, tempRepo } from '../helpers.js';
import { Repo } from '../../src/repo.js';
import { renderStatus } from '../../src/cli/render/status.js';
import { api, commitFile, conflictsOf, diverged, headMessage, headOf, json, parentsOf, statusOf } from './merge-fixture.js';

/** What `status` prints, rendered in-process from the status the CLI would read. */
const statusText = async (repo: Parameters<typeof statusOf>[0]) => renderStatus(await statusOf(repo));

const csv = (...rows: string[]) => `id,amount,region\n${rows.map((r) => `${r}\n`).join('')}`;
const BASE = csv('1,10,EU', '2,20,US', '3,30,EU', '4,40,US');

describe('merge: clean merges', () => {
  it('merge: disjoint row changes and different cells of one row merge into a commit with two parents', async () => {
    // id  base      ours       theirs
    // 1   10 EU     11 EU      10 EU
    // 2   20 US     20 US      20 APAC
    // 3   30 EU     -          30 EU
    // 4   40 US     41 US      40 ASIA     (different cells: both kept)
    // 5   -         -          50 EU
    await using d = await diverged(
      BASE,
      csv('1,11,EU', '2,20,US', '4,41,US'),
      csv('1,10,EU', '2,20,APAC', '3,30,EU', '4,40,ASIA', '5,50,EU'),
    );
    const r = await json<{ status: string; commit: string }>(d.repo, 'merge', 'fix');
    expect(r.exitCode).toBe(0);
    expect(r.value.status).toBe('merged');
    expect(await d.repo.read('orders.csv')).toBe(csv('1,11,EU', '2,20,APAC', '4,41,ASIA', '5,50,EU'));
    expect(await parentsOf(d.repo, r.value.commit)).toEqual([d.ours, d.theirs]);
    expect(await headMessage(d.repo)).toContain("Merge branch 'fix'");
    expect(await statusText(d.repo)).toContain('nothing to commit');
  });

  it('merge: the same change on both sides, and the same row inserted on both sides, are clean', async () => {
    await using d = await diverged(
      BASE,
      csv('1,15,EU', '2,20,US', '3,30,EU', '4,40,US', '9,90,EU'),
      csv('1,15,EU', '2,20,US', '3,30,EU', '9,90,EU'),
    );
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(await d.repo.read('orders.csv')).toBe(csv('1,15,EU', '2,20,US', '3,30,EU', '9,90,EU'));
  });

  it('merge: fast-forward moves the branch and the working file without a merge commit; then already up to date', async () => {
    await using repo = await tempRepo({ 'orders.csv': BASE }, false);
    const r = await Repo.init(repo.dir);
    await r.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
    await r.commit({ message: 'base' });
    await r.checkout({ target: 'HEAD', create: 'fix' });
    const tip = await commitFile(repo, 'orders.csv', csv('1,10,EU', '2,22,US'), 'fix');
    await r.checkout({ target: 'main' });
    const out = await repo.ok('merge', 'fix');
    expect(out).toContain('Fast-forward');
    expect(out, 'no lakegit.yaml: no checks line').not.toContain('check(s)');
    expect(await headOf(repo)).toBe(tip);
    expect(await repo.read('orders.csv')).toBe(csv('1,10,EU', '2,22,US'));
    expect(await repo.ok('merge', 'fix')).toContain('Already up to date');
  });

  it('merge: --ff-only refuses a diverged branch (exit 1); --no-ff records a merge commit even when a fast-forward was possible', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), csv('1,10,EU', '2,20,US', '3,30,EU', '4,44,US'));
    const refused = await d.repo.run('merge', 'fix', '--ff-only');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('not possible to fast-forward');
    expect(await headOf(d.repo)).toBe(d.ours);
    const repo = await api(d.repo);
    await repo.checkout({ target: 'HEAD', create: 'later' });
    await commitFile(d.repo, 'orders.csv', csv('1,11,EU'), 'later');
    await repo.checkout({ target: 'main' });
    const r = await json<{ commit: string; status: string }>(d.repo, 'merge', 'later', '--no-ff', '-m', 'take later');
    expect(r.value.status).toBe('merged');
    expect((await parentsOf(d.repo, r.value.commit)).length).toBe(2);
    expect(await d.repo.read('orders.csv')).toBe(csv('1,11,EU'));
    expect(await headMessage(d.repo)).toContain('take later');
  });

  it('merge: keyless tables merge as multisets: rows added on both sides are all kept, removals apply once', async () => {
    const t = (...rows: string[]) => `a,b\n${rows.map((r) => `${r}\n`).join('')}`;
    await using d = await diverged(t('1,x', '1,x', '2,y'), t('1,x', '2,y', '3,z'), t('1,x', '1,x', '2,y', '3,z', '4,w'), { key: null });
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(await d.repo.read('orders.csv')).toBe(t('1,x', '2,y', '3,z', '3,z', '4,w'));
  });

  it('merge: tables added, removed and renamed on one side follow that side', async () => {
    // base: orders, old.   fix: + customers, orders → sales (+ row 5), - old.   main: orders row 1 changed.
    await using repo = await tempRepo({ 'orders.csv': BASE, 'old.csv': 'x\n1\n' }, false);
    const r = await Repo.init(repo.dir);
    await r.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
    await r.add({ paths: ['old.csv'], cwd: repo.dir, keyless: true });
    await r.commit({ message: 'base' });
    await r.checkout({ target: 'HEAD', create: 'fix' });
    await repo.write('customers.csv', 'cid,name\n1,Ann\n');
    await r.add({ paths: ['customers.csv'], cwd: repo.dir, key: ['cid'] });
    await r.mv('orders', 'sales');
    await r.rm('old');
    await repo.write('orders.csv', `${BASE}5,50,US\n`);
    await r.add({ paths: ['orders.csv'], cwd: repo.dir });
    await r.commit({ message: 'add customers, rename orders, drop old' });
    await r.checkout({ target: 'main' });
    await commitFile(repo, 'orders.csv', csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), 'ours');
    const m = await repo.run('merge', 'fix');
    expect(m.exitCode, m.stderr).toBe(0);
    expect((await statusOf(repo)).tables.map((t) => t.table)).toEqual(['customers', 'sales']);
    expect(await repo.read('orders.csv')).toBe(csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US', '5,50,US'));
    expect(await repo.read('customers.csv')).toBe('cid,name\n1,Ann\n');
    expect(await repo.exists('old.csv')).toBe(false);
    expect(await statusText(repo)).toContain('nothing to commit');
  });

  it('merge: a table removed on one side and changed on the other is a table conflict', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), BASE.replace('4,40,US', '4,44,US'));
    const r = await api(d.repo);
    await r.checkout({ target: 'fix' });
    await r.rm('orders');
    await r.commit({ message: 'drop orders' });
    await r.checkout({ target: 'main' });
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(1);
    expect(await conflictsOf(d.repo)).toEqual([{ table: 'orders', key: null, column: null, base: 'orders', ours: 'orders', theirs: null }]);
    await d.repo.ok('resolve', 'orders', '--theirs');
    expect(await d.repo.exists('orders.csv')).toBe(false);
    await d.repo.ok('merge', '--continue');
    expect((await statusOf(d.repo)).tables).toEqual([]);
  });
});

describe('merge: conflicts', () => {
  it('merge: the same cell changed to different values is a conflict; the file shows ours; commit is refused', async () => {
    await using d = await diverged(
      BASE,
      csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'),
      csv('1,12,EU', '2,20,US', '3,30,EU', '4,40,ASIA'),
    );
    const before = await headOf(d.repo);
    const r = await d.repo.run('merge', 'fix');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('CONFLICT (cell): orders id=1 amount');
    expect(await d.repo.read('orders.csv')).toBe(csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,ASIA'));
    expect(await headOf(d.repo)).toBe(before);
    expect(await conflictsOf(d.repo)).toEqual([{ table: 'orders', key: { id: 1 }, column: 'amount', base: 10, ours: 11, theirs: 12 }]);
    expect((await statusOf(d.repo)).state).toBe('merging');
    const c = await d.repo.run('commit', '-m', 'too early');
    expect(c.exitCode).toBe(1);
    expect(c.stderr).toContain('1 conflict(s) remain');
  });

  it('merge: delete vs modify is a row conflict with whole rows as values', async () => {
    await using d = await diverged(BASE, csv('1,10,EU', '2,20,US', '4,40,US'), csv('1,10,EU', '2,20,US', '3,33,EU', '4,40,US'));
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(1);
    expect(await conflictsOf(d.repo)).toEqual([
      {
        table: 'orders',
        key: { id: 3 },
        column: null,
        base: { id: 3, amount: 30, region: 'EU' },
        ours: null,
        theirs: { id: 3, amount: 33, region: 'EU' },
      },
    ]);
    expect(await d.repo.read('orders.csv')).toBe(csv('1,10,EU', '2,20,US', '4,40,US'));
    await d.repo.ok('resolve', 'orders', '--theirs');
    expect(await d.repo.read('orders.csv')).toBe(csv('1,10,EU', '2,20,US', '3,33,EU', '4,40,US'));
  });

  it('merge: a key inserted on both sides with different rows conflicts in the differing cells only', async () => {
    await using d = await diverged(BASE, `${BASE}7,70,EU\n`, `${BASE}7,71,EU\n`);
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(1);
    expect(await conflictsOf(d.repo)).toEqual([{ table: 'orders', key: { id: 7 }, column: 'amount', base: null, ours: 70, theirs: 71 }]);
  });

  it('merge: --continue refuses while conflicts remain, and after resolve commits with both parents', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,21,US', '3,30,EU', '4,40,US'), csv('1,12,EU', '2,22,US', '3,30,EU', '4,40,US'));
    await d.repo.run('merge', 'fix');
    const early = await d.repo.run('merge', '--continue');
    expect(early.exitCode).toBe(1);
    expect(early.stderr).toContain('2 conflict(s) remain');
    const one = await json<{ resolved: number; remaining: number }>(d.repo, 'resolve', 'orders', '--theirs', '--where', 'id = 2');
    expect(one.value).toEqual({ table: 'orders', resolved: 1, remaining: 1 });
    expect(await conflictsOf(d.repo)).toEqual([{ table: 'orders', key: { id: 1 }, column: 'amount', base: 10, ours: 11, theirs: 12 }]);
    await d.repo.ok('resolve', 'orders', '--ours');
    const done = await json<{ commit: string; status: string }>(d.repo, 'merge', '--continue');
    expect(done.value.status).toBe('committed');
    expect(await parentsOf(d.repo, done.value.commit)).toEqual([d.ours, d.theirs]);
    expect(await d.repo.read('orders.csv')).toBe(csv('1,11,EU', '2,22,US', '3,30,EU', '4,40,US'));
    expect((await statusOf(d.repo)).state).toBe('clean');
    expect((await (await api(d.repo)).fsck()).problems).toEqual([]);
  });

  it('merge: editing the working file and adding it resolves the table; commit then records the merge', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), csv('1,12,EU', '2,20,US', '3,30,EU', '4,40,US'));
    await d.repo.run('merge', 'fix');
    await d.repo.write('orders.csv', csv('1,15,EU', '2,20,US', '3,30,EU', '4,40,US'));
    await d.repo.ok('add', 'orders.csv');
    expect(await conflictsOf(d.repo)).toEqual([]);
    await d.repo.ok('commit', '-m', 'merge fix by hand');
    const head = await headOf(d.repo);
    expect(await parentsOf(d.repo, head)).toEqual([d.ours, d.theirs]);
    expect((await statusOf(d.repo)).state).toBe('clean');
  });

  it('merge: --abort restores the working files, index, refs and stores byte for byte', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU'), csv('1,12,EU', '2,20,US', '3,30,EU', '4,40,US', '8,80,EU'));
    await d.repo.write('notes.csv', 'n\n1\n'); // an untracked file, and an unrelated one
    const before = await snapshotDir(d.repo.dir);
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(1);
    await d.repo.ok('resolve', 'orders', '--theirs', '--where', 'id = 1');
    expect(await snapshotDir(d.repo.dir)).not.toEqual(before);
    await d.repo.ok('merge', '--abort');
    expect(await snapshotDir(d.repo.dir)).toEqual(before);
    expect((await d.repo.run('merge', '--abort')).exitCode).toBe(2);
  });

  it('merge: --strategy theirs settles every conflict and commits', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '4,40,US'), csv('1,12,EU', '2,20,US', '3,33,EU', '4,40,US'));
    const r = await json<{ settled: number; conflicts: unknown[] }>(d.repo, 'merge', 'fix', '--strategy', 'theirs');
    expect(r.exitCode).toBe(0);
    expect(r.value.settled).toBe(2);
    // The file keeps its order; key 3, gone from it, comes back at the end (docs/cli.md, "Row order of working files").
    expect(await d.repo.read('orders.csv')).toBe(csv('1,12,EU', '2,20,US', '4,40,US', '3,33,EU'));
  });

  it('merge: --dry-run reports conflicts and writes nothing', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), csv('1,12,EU', '2,22,US', '3,30,EU', '4,40,US'));
    const before = await snapshotDir(d.repo.dir);
    const r = await json<{ status: string; conflicts: { key: object }[] }>(d.repo, 'merge', 'fix', '--dry-run');
    expect(r.exitCode).toBe(1);
    expect(r.value.status).toBe('dry-run');
    expect(r.value.conflicts.map((c) => c.key)).toEqual([{ id: 1 }]);
    expect(await snapshotDir(d.repo.dir)).toEqual(before);
  });
});

describe('merge: safety', () => {
  it('merge: refuses to start when uncommitted changes touch a table it would change, naming it; unrelated edits survive', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), csv('1,10,EU', '2,22,US', '3,30,EU', '4,40,US'));
    const repo = await api(d.repo);
    await d.repo.write('other.csv', 'k,v\n1,a\n');
    await repo.add({ paths: ['other.csv'], cwd: d.repo.dir, key: ['k'] });
    await repo.commit({ message: 'other' });
    await d.repo.write('orders.csv', csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US', '6,60,US'));
    const before = await snapshotDir(d.repo.dir);
    const r = await d.repo.run('merge', 'fix');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("uncommitted changes to 'orders'");
    expect(await snapshotDir(d.repo.dir)).toEqual(before);
    await repo.commit({ message: 'six', all: true });
    await d.repo.write('other.csv', 'k,v\n1,b\n'); // unstaged, in a table the merge leaves alone
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(await d.repo.read('other.csv')).toBe('k,v\n1,b\n');
    expect(await d.repo.read('orders.csv')).toBe(csv('1,11,EU', '2,22,US', '3,30,EU', '4,40,US', '6,60,US'));
  });

  it('merge: a criss-cross history (two merge bases) is refused with exit 2', async () => {
    await using d = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), csv('1,10,EU', '2,22,US', '3,30,EU', '4,40,US'));
    const repo = await api(d.repo);
    // main ← fix and fix ← main, each merging the other's old head: two best common ancestors.
    const ctx = repo.ctx;
    const tree = (await ctx.git.readCommit(d.ours)).tree;
    const author = { name: 'A', email: 'a@x', timestamp: 1767225600, timezoneOffset: 0 };
    const m1 = await ctx.git.writeCommit({ tree, parents: [d.ours, d.theirs], message: 'm1\n', author });
    const m2 = await ctx.git.writeCommit({
      tree: (await ctx.git.readCommit(d.theirs)).tree,
      parents: [d.theirs, d.ours],
      message: 'm2\n',
      author,
    });
    await ctx.git.updateRef('refs/heads/main', m1, d.ours);
    await ctx.git.updateRef('refs/heads/fix', m2, d.theirs);
    await commitFile(d.repo, 'orders.csv', csv('1,11,EU', '2,20,US', '3,30,EU'), 'drop 4');
    const r = await d.repo.run('merge', 'fix');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('criss-cross');
  });

  it('merge: a merge killed midway leaves a repository that fsck passes', async () => {
    const rows = (f: (i: number) => string) => `id,amount,region\n${Array.from({ length: 3000 }, (_, i) => `${f(i + 1)}\n`).join('')}`;
    await using d = await diverged(
      rows((i) => `${i},${i},EU`),
      rows((i) => `${i},${i % 3 ? i : -i},EU`),
      rows((i) => `${i},${i},${i % 5 ? 'EU' : 'US'}`),
    );
    for (const delay of [150, 400, 900]) {
      const child = spawnCli(d.repo.dir, ['merge', 'fix']);
      await new Promise((r) => setTimeout(r, delay));
      // A fast machine may finish the merge before the kill: then 'exit' has already fired.
      const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
      child.kill('SIGKILL');
      await exited;
      // The next command, in-process (opening the repository finishes or undoes what the kill left): fsck
      // passes; a merge in progress is aborted and the branch reset for the next round.
      const repo = await api(d.repo);
      expect((await repo.fsck()).problems, `killed after ${delay} ms`).toEqual([]);
      if ((await repo.status()).state === 'merging') await repo.mergeAbort();
      await repo.reset(d.ours, 'hard');
    }
  }, 180_000); // three kill/fsck/abort/reset rounds of a 3,000-row merge: over a minute on a busy 2-core CI
});

describe('merge: schema', () => {
  it('merge: a column added on one side is added; the same column added with two types is a schema conflict', async () => {
    await using d = await diverged(
      BASE,
      'id,amount,region,note\n1,10,EU,a\n2,20,US,\n3,30,EU,\n4,40,US,\n',
      'id,amount,region,flag\n1,10,EU,1\n2,20,US,0\n3,30,EU,1\n4,40,US,0\n',
    );
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(await d.repo.read('orders.csv')).toBe('id,amount,region,note,flag\n1,10,EU,a,1\n2,20,US,,0\n3,30,EU,,1\n4,40,US,,0\n');

    await using e = await diverged(
      BASE,
      'id,amount,region,x\n1,10,EU,1\n2,20,US,2\n3,30,EU,3\n4,40,US,4\n',
      'id,amount,region,x\n1,10,EU,a\n2,20,US,b\n3,30,EU,c\n4,40,US,d\n',
    );
    expect((await e.repo.run('merge', 'fix')).exitCode).toBe(1);
    const list = (await conflictsOf(e.repo)) as unknown[];
    expect(list[0]).toEqual({ table: 'orders', key: null, column: 'x', base: null, ours: 'BIGINT', theirs: 'VARCHAR' });
    await e.repo.ok('resolve', 'orders', '--theirs');
    expect(await e.repo.read('orders.csv')).toBe('id,amount,region,x\n1,10,EU,a\n2,20,US,b\n3,30,EU,c\n4,40,US,d\n');
    expect(await conflictsOf(e.repo)).toEqual([]);
  });

  it('merge: a column dropped on one side and changed on the other is a conflict; dropped alone is dropped', async () => {
    const dropped = 'id,amount\n1,10\n2,20\n3,30\n4,40\n';
    await using d = await diverged(BASE, csv('1,10,EU', '2,20,US', '3,30,APAC', '4,40,US'), dropped);
    expect((await d.repo.run('merge', 'fix')).exitCode).toBe(1);
    expect(await conflictsOf(d.repo)).toEqual([
      { table: 'orders', key: null, column: 'region', base: 'VARCHAR', ours: 'VARCHAR', theirs: null },
    ]);
    expect(await d.repo.read('orders.csv')).toBe(csv('1,10,EU', '2,20,US', '3,30,APAC', '4,40,US'));

    await using e = await diverged(BASE, csv('1,11,EU', '2,20,US', '3,30,EU', '4,40,US'), dropped);
    expect((await e.repo.run('merge', 'fix')).exitCode).toBe(0);
    expect(await e.repo.read('orders.csv')).toBe('id,amount\n1,11\n2,20\n3,30\n4,40\n');
  });
});
