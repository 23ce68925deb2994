import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  api,
  commit,
  editRow,
  expectRefusedUnchanged,
  fixture,
  fixtureBytes,
  json,
  newRepo,
  ORDERS,
  ordersRepo,
  track,
} from './core-helpers.js';

const EDITED = editRow(ORDERS, '3', '3,101,8.00,shipped,2024-01-05 11:30:00,true,');

/** main: orders + customers; fix: orders row 3 changed. HEAD on main, clean. */
async function twoBranches() {
  const repo = await ordersRepo({ 'customers.csv': fixture('customers.csv') });
  await track(repo, 'customers.csv', ['id']);
  await commit(repo, 'customers');
  const a = await api(repo);
  await a.checkout({ target: 'HEAD', create: 'fix' });
  await repo.write('orders.csv', EDITED);
  await commit(repo, 'fix row 3', true);
  await a.checkout({ target: 'main' });
  return repo;
}

describe('checkout', () => {
  it('checkout: switches branch and rewrites only the tables that differ', async () => {
    await using repo = await twoBranches();
    const customers = await fsp.stat(repo.path('customers.csv'));
    expect(await repo.ok('checkout', 'fix')).toBe("Switched to branch 'fix'\nupdated orders\n");
    expect(await repo.read('orders.csv')).toContain('\n3,101,8.00,shipped,');
    expect((await fsp.stat(repo.path('customers.csv'))).mtimeMs).toBe(customers.mtimeMs);
    expect(await repo.ok('status')).toBe('On branch fix\nnothing to commit, working tree clean\n');
    expect(await repo.ok('switch', 'main')).toBe("Switched to branch 'main'\nupdated orders\n");
    expect(await repo.read('orders.csv')).toContain('\n3,101,7.25,shipped,');
  });

  it('checkout: records a stat that the next status trusts without re-reading, and a later edit still shows', async () => {
    await using repo = await twoBranches();
    await repo.ok('checkout', 'fix');
    const index = JSON.parse(await repo.read('.lakegit/lakegit-index.json'));
    const stat = index.tables.orders.stat;
    // The file system clock had passed the file's mtime when it was recorded (settledNs), unless
    // both fell in one clock tick; then the one-second rule applies as before.
    if (stat.settledNs !== undefined) expect(BigInt(stat.settledNs) > BigInt(stat.mtimeNs)).toBe(true);
    expect((await fsp.readdir(repo.path('.'))).filter((f) => f.includes('lakegit-clock'))).toEqual([]);
    expect(await repo.ok('status')).toBe('On branch fix\nnothing to commit, working tree clean\n');
    await repo.write('orders.csv', EDITED.replace('\n3,101,8.00,', '\n3,101,9.00,'));
    expect(await repo.ok('status')).toContain('orders');
  });

  it('checkout: refuses to overwrite uncommitted changes (exit 1, nothing touched); --force discards them', async () => {
    await using repo = await twoBranches();
    const dirty = ORDERS.replace('\n10,101,61.20,', '\n10,101,0.01,');
    await repo.write('orders.csv', dirty);
    const r = await expectRefusedUnchanged(repo, 1, 'checkout', 'fix');
    expect(r.stderr).toContain("uncommitted changes to 'orders' would be overwritten");
    expect(r.stderr).toContain('--force');
    expect(await repo.read('orders.csv')).toBe(dirty);
    expect((await json(repo, 'status')).branch).toBe('main');
    await repo.ok('checkout', '--force', 'fix');
    expect(await repo.read('orders.csv')).not.toContain('0.01');
    expect(await repo.ok('status')).toBe('On branch fix\nnothing to commit, working tree clean\n');
  });

  it('checkout: a staged change also blocks a checkout that would replace it', async () => {
    await using repo = await twoBranches();
    await repo.write('orders.csv', ORDERS.replace('\n10,101,61.20,', '\n10,101,0.01,'));
    await track(repo, 'orders.csv', ['id']);
    await repo.write('orders.csv', ORDERS);
    await expectRefusedUnchanged(repo, 1, 'checkout', 'fix');
  });

  it('checkout: uncommitted changes to a table the target leaves alone are carried over', async () => {
    await using repo = await twoBranches();
    const edited = fixture('customers.csv').replace('Eve', 'Eva');
    await repo.write('customers.csv', edited);
    await repo.ok('checkout', 'fix');
    expect(await repo.read('customers.csv')).toBe(edited);
    expect((await json(repo, 'status')).tables.find((t: any) => t.table === 'customers').unstaged).toEqual({
      added: 0,
      removed: 0,
      modified: 1,
    });
    await repo.ok('checkout', '-b', 'again');
    expect(await repo.read('customers.csv')).toBe(edited);
  });

  it('checkout: a commit id (short) detaches HEAD; status says so and a branch can be made there', async () => {
    await using repo = await twoBranches();
    const [, first] = await json(repo, 'log');
    expect(await repo.ok('checkout', first.commit.slice(0, 6))).toBe(`HEAD is now at ${first.commit.slice(0, 7)}\n`);
    const st = await json(repo, 'status');
    expect(st).toMatchObject({ branch: null, head: first.commit });
    expect(await repo.ok('status')).toMatch(/^HEAD detached at [0-9a-f]{7}\n/);
    expect(await repo.exists('customers.csv')).toBe(false);
    await repo.ok('checkout', '-b', 'from-old');
    expect((await json(repo, 'status')).branch).toBe('from-old');
  });

  it('checkout: tables absent from the target are removed and come back on return', async () => {
    await using repo = await twoBranches();
    await repo.ok('checkout', 'HEAD~1');
    expect(await repo.exists('customers.csv')).toBe(false);
    await repo.ok('checkout', 'main');
    expect(await repo.read('customers.csv')).toBe(fixture('customers.csv'));
  });

  it('checkout: refuses to overwrite an untracked file a target table would write', async () => {
    await using repo = await twoBranches();
    await repo.ok('checkout', 'HEAD~1');
    await repo.write('customers.csv', 'id,name\n1,mine\n');
    const r = await expectRefusedUnchanged(repo, 1, 'checkout', 'main');
    expect(r.stderr).toContain("untracked file(s) 'customers.csv' would be overwritten");
    expect(await repo.read('customers.csv')).toBe('id,name\n1,mine\n');
  });

  it('checkout: files are written back in their own format, and adding them back gives the same chunks', async () => {
    await using repo = await newRepo({
      'o.tsv': fixture('orders.tsv'),
      'o.parquet': fixtureBytes('orders.parquet'),
      'o.jsonl': fixture('orders.jsonl'),
    });
    for (const f of ['o.tsv', 'o.parquet', 'o.jsonl']) await track(repo, f, ['id'], f.replace('.', '_'));
    await commit(repo, 'three formats');
    const chunks = async (t: string) => (await api(repo)).files(t, true); // in-process `files`: test/cli/config-files.test.ts runs the verb
    const files = await chunks('o_tsv');
    for (const f of ['o.tsv', 'o.parquet', 'o.jsonl']) await fsp.rm(repo.path(f));
    await repo.ok('checkout', '--force', 'HEAD');
    expect((await repo.read('o.tsv')).split('\n')[0]).toBe('id\tcustomer_id\tamount\tstatus\tcreated_at\tpaid\tnote');
    expect(JSON.parse((await repo.read('o.jsonl')).split('\n')[0])).toMatchObject({ id: 1, customer_id: 101, amount: 10.5, status: 'new' });
    expect((await fsp.readFile(repo.path('o.parquet'))).subarray(0, 4).toString()).toBe('PAR1');
    await repo.ok('add', '.');
    expect(await repo.ok('status')).toContain('nothing to commit, working tree clean');
    for (const t of ['o_tsv', 'o_parquet', 'o_jsonl']) expect(await chunks(t)).toEqual(files);
  });

  it('checkout: an unknown branch or revision is exit 2 and changes nothing', async () => {
    await using repo = await twoBranches();
    expect((await expectRefusedUnchanged(repo, 2, 'checkout', 'nope')).stderr).toContain("unknown revision 'nope'");
    expect((await expectRefusedUnchanged(repo, 2, 'checkout', '-b', 'fix')).stderr).toContain("a branch named 'fix' already exists");
  });

  it('checkout: a .csv separated by semicolons is written back with semicolons', async () => {
    const semi = 'id;name;amount\n1;a, b;1.5\n2;c;2.5\n';
    await using repo = await newRepo({ 'eu.csv': semi });
    await track(repo, 'eu.csv', ['id']);
    await commit(repo, 'load');
    await repo.ok('checkout', '-b', 'edit');
    await repo.write('eu.csv', semi.replace('2;c;2.5', '2;c;3.5'));
    await commit(repo, 'edit', true);
    await repo.ok('checkout', 'main');
    expect(await repo.read('eu.csv')).toBe(semi);
    await repo.ok('checkout', 'edit');
    expect(await repo.read('eu.csv')).toBe('id;name;amount\n1;a, b;1.5\n2;c;3.5\n');
    expect(await repo.ok('status')).toContain('nothing to commit');
  });

  it('checkout: keeps the row order of the file; rows with new keys go last in key order (#16 defect 11)', async () => {
    // Not in key order, with the user's own formatting (quotes, a leading zero) on unchanged rows.
    const v1 = 'id,name,amount\n5,"e",015\n2,b,20\n9,i,3\n1,a,4\n7,g,5\n';
    await using repo = await newRepo({ 't.csv': v1 });
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'v1');
    const a = await api(repo);
    await a.checkout({ target: 'HEAD', create: 'edit' });
    // Row 9 modified, row 1 removed, rows 8 and 3 added (in the file's middle and end).
    await repo.write('t.csv', 'id,name,amount\n5,"e",015\n8,h,8\n2,b,20\n9,I,30\n7,g,5\n3,c,6\n');
    await commit(repo, 'edit', true);
    // The first checkout of a file staged by add (no line index yet) already keeps the order.
    await repo.ok('checkout', 'main');
    expect(await repo.read('t.csv')).toBe('id,name,amount\n5,"e",015\n2,b,20\n9,i,3\n7,g,5\n1,a,4\n');
    expect(await repo.ok('status')).toContain('nothing to commit');
    await repo.ok('checkout', 'edit');
    expect(await repo.read('t.csv')).toBe('id,name,amount\n5,"e",015\n2,b,20\n9,I,30\n7,g,5\n3,c,6\n8,h,8\n');
    await repo.ok('revert', 'HEAD');
    expect(await repo.read('t.csv')).toBe('id,name,amount\n5,"e",015\n2,b,20\n9,i,3\n7,g,5\n1,a,4\n');
    expect(await repo.ok('status')).toContain('nothing to commit');
  }, 240_000);
});
