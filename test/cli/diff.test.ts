import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { TEST_ENV, tempRepo, type TempRepo, commitMade } from '../helpers.js';

// Set-up runs in-process through the API; the behaviour under test always runs the real CLI.
Object.assign(process.env, TEST_ENV);

async function repoWith(files: Record<string, string>): Promise<TempRepo> {
  const repo = await tempRepo(files, false);
  await Repo.init(repo.dir);
  return repo;
}
async function track(repo: TempRepo, file: string, key: string[] | null, name?: string): Promise<void> {
  await (await Repo.open(repo.dir)).add({ paths: [file], cwd: repo.dir, key: key ?? undefined, keyless: key === null, name });
}
async function commit(repo: TempRepo, message: string): Promise<string> {
  return commitMade(await (await Repo.open(repo.dir)).commit({ message, all: true })).oid;
}
const json = async (repo: TempRepo, ...args: string[]) => JSON.parse(await repo.ok('diff', '--json', ...args));

const V1 = 'id,amount,name\n1,10.5,a\n2,20,b\n3,30,c d\n';
const V2 = 'id,amount,name\n1,11.5,a\n2,20,b x\n4,40,e\n';

/** orders: R1 (V1) -> R2 (V2) on main. */
async function twoCommits(): Promise<TempRepo & { r1: string; r2: string }> {
  const repo = await repoWith({ 'orders.csv': V1 });
  await track(repo, 'orders.csv', ['id']);
  const r1 = await commit(repo, 'load');
  await repo.write('orders.csv', V2);
  const r2 = await commit(repo, 'edit');
  return Object.assign(repo, { r1, r2 });
}

describe('diff: inputs', () => {
  it('diff: working tree vs index by default, as a table of changed rows and cells', async () => {
    await using repo = await repoWith({ 'orders.csv': V1 });
    await track(repo, 'orders.csv', ['id']);
    await repo.write('orders.csv', V2);
    const r = await repo.run('diff');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      [
        'diff orders  (INDEX → WORKING)',
        'modified  +1 ~2 -1',
        '~ 1 │ amount: 10.5 → 11.5',
        '~ 2 │ name: "b" → "b x"',
        '- 3 │ amount=30  name="c d"',
        '+ 4 │ amount=40  name=e',
        '',
        '',
      ].join('\n'),
    );
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('diff: --staged compares the index with HEAD; a clean tree prints nothing', async () => {
    await using repo = await twoCommits();
    expect(await repo.ok('diff')).toBe('');
    expect(await repo.ok('diff', '--staged')).toBe('');
    await repo.write('orders.csv', 'id,amount,name\n1,11.5,a\n2,20,b x\n4,41,e\n');
    await track(repo, 'orders.csv', ['id']);
    expect(await repo.ok('diff')).toBe('');
    const staged = await json(repo, '--staged');
    expect(staged.from).toBe(repo.r2);
    expect(staged.to).toBe('INDEX');
    expect(staged.tables[0].rows).toEqual([
      {
        op: 'modified',
        key: { id: 4 },
        before: { id: 4, amount: 40, name: 'e' },
        after: { id: 4, amount: 41, name: 'e' },
        changed: ['amount'],
      },
    ]);
    expect((await json(repo, '--cached', 'HEAD~1')).tables[0].stats).toEqual({ added: 1, removed: 1, modified: 2 });
  });

  it('diff: one revision vs the working tree, two revisions, A..B and A...B', async () => {
    await using repo = await twoCommits();
    const stats = async (...args: string[]) => (await json(repo, ...args)).tables.map((t: { stats: unknown }) => t.stats);
    expect(await stats('HEAD~1')).toEqual([{ added: 1, removed: 1, modified: 2 }]);
    expect(await stats(repo.r1, repo.r2)).toEqual([{ added: 1, removed: 1, modified: 2 }]);
    expect(await stats(repo.r2, repo.r1)).toEqual([{ added: 1, removed: 1, modified: 2 }]);
    expect(await stats('HEAD~1..HEAD')).toEqual([{ added: 1, removed: 1, modified: 2 }]);
    expect(await stats('HEAD~1..')).toEqual([{ added: 1, removed: 1, modified: 2 }]);
    // main: R1 -> R2; fix: R1 -> F1 (adds row 9). fix...main = what main did since they split.
    await (await Repo.open(repo.dir)).checkout({ target: repo.r1, create: 'fix' }); // set-up in-process
    await repo.write('orders.csv', `${V1}9,90,z\n`);
    await commit(repo, 'fix adds 9');
    const sym = await json(repo, 'main...fix');
    expect(sym.from).toBe(repo.r1);
    expect(sym.tables[0].rows.map((r: { op: string; key: unknown }) => [r.op, r.key])).toEqual([['added', { id: 9 }]]);
    expect(await stats('fix...main')).toEqual([{ added: 1, removed: 1, modified: 2 }]);
    expect(await stats('main..fix')).toEqual([{ added: 2, removed: 1, modified: 2 }]);
  });

  it('diff: table names, `--` and table@rev select tables; an unknown word is exit 2', async () => {
    await using repo = await twoCommits();
    await repo.write('people.csv', 'pid,name\n1,ann\n');
    await track(repo, 'people.csv', ['pid']);
    await commit(repo, 'people');
    await repo.write('people.csv', 'pid,name\n1,bob\n');
    await repo.write('orders.csv', V1);
    expect((await json(repo)).tables.map((t: { table: string }) => t.table)).toEqual(['orders', 'people']);
    expect((await json(repo, 'people')).tables.map((t: { table: string }) => t.table)).toEqual(['people']);
    expect((await json(repo, 'HEAD', '--', 'people')).tables.map((t: { table: string }) => t.table)).toEqual(['people']);
    const at = await json(repo, `orders@${repo.r1}`, 'orders@HEAD');
    expect(at.from).toBe(repo.r1);
    expect(at.tables.map((t: { table: string; stats: unknown }) => [t.table, t.stats])).toEqual([
      ['orders', { added: 1, removed: 1, modified: 2 }],
    ]);
    const bad = await repo.run('diff', 'nosuch');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("'nosuch' is neither a revision nor a table");
    const badTable = await repo.run('diff', 'HEAD', '--', 'nosuch');
    expect(badTable.exitCode).toBe(2);
    expect(badTable.stderr).toContain("no table 'nosuch'");
    const badRev = await repo.run('diff', 'nope..HEAD');
    expect(badRev.exitCode).toBe(2);
    expect(badRev.stderr).toContain("unknown revision 'nope'");
  });

  it('diff: a table moved with mv and then edited shows as renamed, with its row changes', async () => {
    await using repo = await twoCommits();
    await (await Repo.open(repo.dir)).mv('orders', 'sales'); // set-up in-process
    await repo.write('orders.csv', V2.replace('40,e', '41,e'));
    const d = await json(repo, 'HEAD');
    expect(
      d.tables.map((t: { table: string; status: string; from?: string; stats: unknown }) => [t.table, t.status, t.from, t.stats]),
    ).toEqual([['sales', 'renamed', 'orders', { added: 0, removed: 0, modified: 1 }]]);
  });

  it('diff: a working file with a duplicate key is bad input (exit 2) and changes nothing', async () => {
    await using repo = await twoCommits();
    await repo.write('orders.csv', 'id,amount,name\n1,1,a\n1,2,b\n');
    const r = await repo.run('diff');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/duplicate key in 'orders.csv'/);
  });
});

describe('diff: options', () => {
  it('diff: --where keeps a change when either side matches, and --columns limits the compared cells, before stats', async () => {
    await using repo = await repoWith({ 'sales.csv': 'id,region,amount,status\n1,EU,10,new\n2,US,20,new\n3,EU,30,new\n4,EU,40,new\n' });
    await track(repo, 'sales.csv', ['id']);
    await commit(repo, 'load');
    await repo.write('sales.csv', 'id,region,amount,status\n1,EU,11,new\n2,US,21,paid\n3,US,30,new\n4,EU,40,paid\n');
    const where = await json(repo, '--where', "region = 'EU'");
    // Row 3 left the EU: its old row matches, so it shows, with its true kind.
    expect(where.tables[0].stats).toEqual({ added: 0, removed: 0, modified: 3 });
    expect(where.tables[0].rows.map((r: { op: string; key: unknown }) => [r.op, r.key])).toEqual([
      ['modified', { id: 1 }],
      ['modified', { id: 3 }],
      ['modified', { id: 4 }],
    ]);
    const amount = await json(repo, 'sales', '--columns', 'amount');
    expect(amount.tables[0].stats).toEqual({ added: 0, removed: 0, modified: 2 });
    expect(amount.tables[0].rows[0]).toEqual({
      op: 'modified',
      key: { id: 1 },
      before: { id: 1, amount: 10 },
      after: { id: 1, amount: 11 },
      changed: ['amount'],
    });
    const both = await json(repo, '--where', "region = 'EU'", '--columns', 'amount,status');
    // Row 3 changed only its region, which is not compared.
    expect(both.tables[0].stats).toEqual({ added: 0, removed: 0, modified: 2 });
    const badWhere = await repo.run('diff', '--where', 'nosuch = 1');
    expect(badWhere.exitCode).toBe(2);
    expect(badWhere.stderr).toContain("--where does not fit table 'sales'");
    const badCol = await repo.run('diff', '--columns', 'nosuch');
    expect(badCol.exitCode).toBe(2);
    expect(badCol.stderr).toContain("table 'sales' has no column 'nosuch'");
  });

  it('diff: --limit stops after N rows but the stats count them all', async () => {
    await using repo = await repoWith({ 'n.csv': `id,v\n${Array.from({ length: 300 }, (_, i) => `${i},${i}`).join('\n')}\n` });
    await track(repo, 'n.csv', ['id']);
    await commit(repo, 'load');
    await repo.write('n.csv', `id,v\n${Array.from({ length: 300 }, (_, i) => `${i},${i % 3 ? i : -i}`).join('\n')}\n`);
    const limited = await json(repo, '--limit', '5');
    expect(limited.tables[0].stats.modified).toBe(99);
    expect(limited.tables[0].rows.map((r: { key: { id: number } }) => r.key.id)).toEqual([3, 6, 9, 12, 15]);
    const text = await repo.ok('diff', '--limit', '2');
    expect(text).toContain('… 97 more row(s) not shown (--limit)');
    expect((await repo.run('diff', '--limit', '-1')).exitCode).toBe(2);
  });

  it('diff: --stat, --summary and --stat --json', async () => {
    await using repo = await twoCommits();
    await repo.write('orders.csv', 'id,amount,name,disc\n1,11.5,a,\n2,20,b x,0.5\n4,40,e,\n5,1,z,\n');
    await repo.write('people.csv', 'pid,name\n1,ann\n');
    await track(repo, 'people.csv', ['pid']);
    const stat = await repo.ok('diff', 'HEAD');
    expect(stat).toContain('schema: +disc DECIMAL(18,1)');
    expect(await repo.ok('diff', 'HEAD', '--stat')).toBe(
      [
        ' orders | +1 ~1 -0 +~ (schema: +disc)',
        ' people | +1 ~0 -0 + (added)',
        ' 2 tables changed, 2 row(s) added, 0 removed, 1 modified',
        '',
      ].join('\n'),
    );
    expect(await repo.ok('diff', 'HEAD', '--summary')).toBe(' modified orders (schema: +disc DECIMAL(18,1))\n added    people\n');
    const statJson = await json(repo, 'HEAD', '--stat');
    expect(statJson.tables[0]).toEqual({
      table: 'orders',
      status: 'modified',
      schema: { added: [{ name: 'disc', type: 'DECIMAL(18,1)' }], removed: [], changed: [] },
      stats: { added: 1, removed: 0, modified: 1 },
    });
    expect(statJson.tables[1]).not.toHaveProperty('rows');
  });

  it('diff: --exit-code is 1 only when something differs; -q prints nothing', async () => {
    await using repo = await twoCommits();
    expect((await repo.run('diff', '--exit-code')).exitCode).toBe(0);
    expect((await repo.run('diff', 'HEAD', 'HEAD', '--exit-code')).exitCode).toBe(0);
    const found = await repo.run('diff', 'HEAD~1', 'HEAD', '--exit-code', '--stat');
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toContain('orders');
    const quiet = await repo.run('diff', 'HEAD~1', 'HEAD', '-q');
    expect(quiet.exitCode).toBe(1);
    expect(quiet.stdout).toBe('');
    expect((await repo.run('diff', 'HEAD~1', 'HEAD')).exitCode).toBe(0);
  });

  it('diff: no colour without a TTY even when NO_COLOR is unset; --no-color accepted', async () => {
    await using repo = await twoCommits();
    const r = await repo.runEnv({ NO_COLOR: '' }, 'diff', 'HEAD~1', 'HEAD');
    expect(r.stdout).toContain('~ 1 │ amount: 10.5 → 11.5');
    expect(r.stdout).not.toMatch(/\x1b\[/);
    expect((await repo.run('diff', 'HEAD~1', 'HEAD', '--no-color')).stdout).toBe(r.stdout);
  });
});
