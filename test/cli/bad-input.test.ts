import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, expectRefusedUnchanged, json, newRepo, ORDERS, ordersRepo, track } from './core-helpers.js';

// Every bad input: exit 2, a message naming the file, line, key, table or revision at fault, and
// .lakegit/ byte for byte as it was (the lock file aside).
describe('bad input', () => {
  it('bad input: a malformed CSV names its line, on add and on commit -a', async () => {
    await using repo = await ordersRepo({ 'bad.csv': 'id,amount\n1,10\n2,20,5\n' });
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'bad.csv', '--key', 'id')).stderr).toContain(
      "cannot read 'bad.csv': line 3: expected 2 fields, found 3",
    );
    await repo.write('orders.csv', `${ORDERS}13,101,"unterminated,new,2024-02-01 00:00:00,false,\n`);
    expect((await expectRefusedUnchanged(repo, 2, 'commit', '-am', 'broken')).stderr).toContain(
      "cannot read 'orders.csv': line 14: a quoted field is never closed",
    );
    // status reports the file as one that cannot be committed (never as clean), and exits 0 as git's does.
    expect(await repo.ok('status')).toMatch(/invalid: orders \(orders\.csv\)  .*line 14/);
  });

  it('bad input: a duplicate key names the key, on add and on commit -a', async () => {
    await using repo = await ordersRepo({ 'dup.csv': 'id,v\n1,a\n2,b\n1,c\n' });
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'dup.csv', '--key', 'id')).stderr).toContain(
      "duplicate key in 'dup.csv': id=1 appears 2 times",
    );
    await repo.write('orders.csv', `${ORDERS}7,101,1.00,new,2024-02-01 00:00:00,false,\n`);
    expect((await expectRefusedUnchanged(repo, 2, 'commit', '-am', 'dup')).stderr).toContain("duplicate key in 'orders.csv': id=7");
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'orders.csv')).stderr).toContain('id=7');
  });

  it('bad input: a NULL key, and a composite key with a NULL part', async () => {
    await using repo = await newRepo({ 'n.csv': 'id,v\n1,a\n,b\n', 'c.csv': 'a,b,v\n1,1,x\n1,,y\n' });
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'n.csv', '--key', 'id')).stderr).toContain(
      "1 row(s) of 'n.csv' have a NULL in key column(s) id",
    );
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'c.csv', '--key', 'a,b')).stderr).toContain('NULL in key column(s) a, b');
  });

  it('bad input: a missing key flag, an unknown key column, a key that cannot be one, or a new key for a tracked table', async () => {
    await using repo = await ordersRepo({ 'nest.jsonl': '{"id":{"a":1},"v":1}\n{"id":{"a":2},"v":2}\n' });
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'nest.jsonl')).stderr).toContain("table 'nest' needs a primary key");
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'nest.jsonl', '--key', 'nope')).stderr).toContain(
      "key column 'nope' is not a column of 'nest.jsonl'",
    );
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'nest.jsonl', '--key', 'id')).stderr).toContain(
      "key column 'id' of 'nest.jsonl' has type STRUCT",
    );
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'orders.csv', '--key', 'customer_id')).stderr).toContain(
      "table 'orders' already has a key",
    );
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'nest.jsonl', '--key', 'v', '--keyless')).exitCode).toBe(2);
  });

  it('bad input: a type clash that leaves a key the table cannot hold, on commit -a', async () => {
    await using repo = await newRepo({ 'e.jsonl': '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n' });
    await track(repo, 'e.jsonl', ['id']);
    await commit(repo, 'load');
    await repo.write('e.jsonl', '{"id":{"n":1},"v":"a"}\n{"id":{"n":2},"v":"b"}\n');
    expect((await expectRefusedUnchanged(repo, 2, 'commit', '-am', 'clash')).stderr).toContain("key column 'id' of 'e.jsonl' has type");
  });

  it('bad input: files outside the repository, inside .lakegit, missing, or not data', async () => {
    const outside = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-outside-'));
    await fsp.writeFile(path.join(outside, 'x.csv'), 'id\n1\n');
    try {
      await using repo = await ordersRepo({ 'notes.txt': 'id\n1\n' });
      const rel = path.relative(repo.dir, path.join(outside, 'x.csv'));
      expect((await expectRefusedUnchanged(repo, 2, 'add', rel, '--key', 'id')).stderr).toContain(`'${rel}' is outside the repository`);
      expect((await expectRefusedUnchanged(repo, 2, 'add', path.join(outside, 'x.csv'), '--key', 'id')).stderr).toContain(
        'is outside the repository',
      );
      await fsp.symlink(path.join(outside, 'x.csv'), repo.path('link.csv'));
      expect((await expectRefusedUnchanged(repo, 2, 'add', 'link.csv', '--key', 'id')).stderr).toContain(
        "'link.csv' is outside the repository",
      );
      expect((await expectRefusedUnchanged(repo, 2, 'add', '.lakegit/lakegit-index.json', '--key', 'id')).stderr).toContain(
        'inside .lakegit',
      );
      expect((await expectRefusedUnchanged(repo, 2, 'add', 'vanished.csv', '--key', 'id')).stderr).toContain(
        "cannot read 'vanished.csv': the file does not exist",
      );
      expect((await expectRefusedUnchanged(repo, 2, 'add', 'notes.txt', '--key', 'id')).stderr).toContain(
        "'notes.txt' is not a data file lakegit reads",
      );
    } finally {
      await fsp.rm(outside, { recursive: true, force: true });
    }
  });

  it('bad input: table names with /, \\, .., @ or a leading dot', async () => {
    await using repo = await newRepo({ 'x.csv': 'id\n1\n' });
    for (const name of ['a/b', 'a\\b', '..', 'a..b', 'x@y', '.hidden']) {
      expect((await expectRefusedUnchanged(repo, 2, 'add', 'x.csv', '--key', 'id', '--name', name)).stderr).toContain(
        `invalid table name '${name}'`,
      );
    }
    await track(repo, 'x.csv', ['id']);
    expect((await expectRefusedUnchanged(repo, 2, 'mv', 'x', '../y')).stderr).toContain("invalid table name '../y'");
  });

  it('bad input: unknown tables and revisions name what is missing', async () => {
    await using repo = await ordersRepo();
    expect((await expectRefusedUnchanged(repo, 2, 'rm', 'ghost')).stderr).toContain("no table 'ghost' is tracked");
    expect((await expectRefusedUnchanged(repo, 2, 'mv', 'ghost', 'g2')).stderr).toContain("no table 'ghost' is tracked");
    expect((await expectRefusedUnchanged(repo, 2, 'files', 'ghost')).stderr).toContain("no table 'ghost'");
    expect((await expectRefusedUnchanged(repo, 2, 'checkout', 'HEAD~1')).stderr).toContain("unknown revision 'HEAD~1'");
    expect((await expectRefusedUnchanged(repo, 2, 'log', 'feature')).stderr).toContain("unknown revision 'feature'");
  });

  it('bad input: empty files, duplicate and reserved column names', async () => {
    await using repo = await newRepo({
      'empty.csv': '',
      'twice.csv': 'id,a,a\n1,2,3\n',
      'res.csv': 'id,__lakegit_op\n1,x\n',
      'nothing.jsonl': '',
    });
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'empty.csv', '--key', 'id')).stderr).toContain("'empty.csv'");
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'twice.csv', '--keyless')).stderr).toContain("'twice.csv'");
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'res.csv', '--key', 'id')).stderr).toContain("column named '__lakegit_op'");
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'nothing.jsonl', '--keyless')).stderr).toContain("'nothing.jsonl'");
  });

  it('bad input: a second table from the same name is refused', async () => {
    await using repo = await ordersRepo({ 'sub/orders.csv': ORDERS });
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'sub/orders.csv', '--key', 'id')).stderr).toContain(
      "a table named 'orders' is already tracked (from 'orders.csv')",
    );
  });

  it('bad input: a failure in one table of commit -a leaves the others unstaged too', async () => {
    await using repo = await ordersRepo({ 'b.csv': 'id,v\n1,x\n' });
    await track(repo, 'b.csv', ['id']);
    await commit(repo, 'b');
    await repo.write('orders.csv', ORDERS.replace('\n2,102,20.00,', '\n2,102,21.00,'));
    await repo.write('b.csv', 'id,v\n1,x\n1,y\n');
    await expectRefusedUnchanged(repo, 2, 'commit', '-am', 'both');
    await expectRefusedUnchanged(repo, 2, 'add', 'orders.csv', 'b.csv');
  });
});

describe('odd identifiers', () => {
  it('odd identifiers: table and column names with spaces, quotes and unicode work end to end', async () => {
    const csv = 'näme id,"say ""hi""",côté;x,rowid\n1,a,x,9\n2,b,y,8\n';
    await using repo = await newRepo({ 'odd file.csv': csv });
    await repo.ok('add', 'odd file.csv', '--key', 'näme id', '--name', 'my "odd" täble');
    await repo.ok('commit', '-m', 'odd');
    await repo.write('odd file.csv', 'näme id,"say ""hi""",côté;x,rowid\n1,a,z,9\n3,c,w,7\n');
    const st = await json(repo, 'status');
    expect(st.tables[0]).toMatchObject({ table: 'my "odd" täble', file: 'odd file.csv', unstaged: { added: 1, removed: 1, modified: 1 } });
    await repo.ok('commit', '-am', 'edit');
    expect((await json(repo, 'log', '--table', 'my "odd" täble')).map((e: any) => e.message)).toEqual(['edit', 'odd']);
    await repo.ok('checkout', 'HEAD~1');
    expect(await repo.read('odd file.csv')).toBe(csv);
    expect(await repo.ok('files', 'my "odd" täble@HEAD')).toMatch(/\.parquet\n$/);
    expect(await repo.ok('fsck')).toContain(': ok');
  });
});
