import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api, commit, editRow, json, newRepo, ORDERS, ordersRepo, track } from './core-helpers.js';
import { tempRepo } from '../helpers.js';

const zero = { added: 0, removed: 0, modified: 0 };

describe('status', () => {
  it('status: a clean tree says so, in text and in the JSON shape of the contract', async () => {
    await using repo = await ordersRepo({ 'notes.txt': 'not data' });
    expect(await repo.ok('status')).toBe('On branch main\nnothing to commit, working tree clean\n');
    const st = await json(repo, 'status');
    expect(st).toMatchObject({ branch: 'main', state: 'clean', untracked: [] });
    expect(st.head).toMatch(/^[0-9a-f]{40}$/);
    expect(st.tables).toEqual([{ table: 'orders', file: 'orders.csv', staged: zero, unstaged: zero, schemaChanged: false }]);
  });

  it('status: counts rows added, modified and removed, staged apart from unstaged', async () => {
    await using repo = await ordersRepo();
    let text = editRow(ORDERS, '2', '2,102,21.00,paid,2024-01-04 10:00:00,true,first order');
    text = editRow(text, '9', null);
    await repo.write('orders.csv', text);
    await track(repo, 'orders.csv', ['id']);
    await repo.write('orders.csv', `${text}13,101,1.00,new,2024-02-01 10:00:00,false,\n14,101,2.00,new,2024-02-01 10:00:00,false,\n`);
    const t = (await json(repo, 'status')).tables[0];
    expect(t.staged).toEqual({ added: 0, removed: 1, modified: 1 });
    expect(t.unstaged).toEqual({ added: 2, removed: 0, modified: 0 });
    const out = await repo.ok('status');
    expect(out).toMatch(/Changes to be committed:\n\torders \(orders\.csv\)  ~1 -1\n/);
    expect(out).toMatch(/Changes not staged for commit:\n.*\n\torders \(orders\.csv\)  \+2\n/);
    expect(out).not.toContain('nothing to commit');
  });

  it('status: lists untracked data files but not .lakegit, dot-folders or other files', async () => {
    await using repo = await ordersRepo({
      'new.tsv': 'id\n1\n',
      'sub/deep.jsonl': '{"id":1}\n',
      '.hidden/x.csv': 'id\n1\n',
      'readme.md': '#',
    });
    const st = await json(repo, 'status');
    expect(st.untracked).toEqual(['new.tsv', 'sub/deep.jsonl']);
    expect(await repo.ok('status')).toMatch(/Untracked data files:\n.*\n\tnew\.tsv\n\tsub\/deep\.jsonl/);
  });

  it('status: a same-size rewrite right after add is still seen (racily clean)', async () => {
    await using repo = await newRepo({ 'orders.csv': ORDERS });
    await repo.ok('add', 'orders.csv', '--key', 'id');
    const stat = await fsp.stat(repo.path('orders.csv'));
    const rewritten = ORDERS.replace('\n7,105,3.50,', '\n7,105,3.51,');
    expect(rewritten.length).toBe(ORDERS.length);
    await repo.write('orders.csv', rewritten);
    // Same size, and the mtime put back: only the racy rule can tell.
    await fsp.utimes(repo.path('orders.csv'), stat.atime, stat.mtime);
    expect((await json(repo, 'status')).tables[0].unstaged).toEqual({ added: 0, removed: 0, modified: 1 });
    await commit(repo, 'load', true);
    await repo.ok('checkout', '--force', 'HEAD~0');
    expect(await repo.read('orders.csv')).toContain('\n7,105,3.51,');
  });

  it('status: a deleted working file shows as deleted with its rows removed', async () => {
    await using repo = await ordersRepo();
    await fsp.rm(repo.path('orders.csv'));
    const t = (await json(repo, 'status')).tables[0];
    expect(t).toMatchObject({ change: 'missing', unstaged: { added: 0, removed: 12, modified: 0 } });
    expect(await repo.ok('status')).toContain('\tdeleted file: orders (orders.csv)  -12');
  });

  it('status: an added column and a widened type are schema changes', async () => {
    await using repo = await newRepo({ 't.csv': 'id,qty\n1,5\n2,6\n' });
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'load');
    await repo.write('t.csv', 'id,qty,note\n1,5,a\n2,6,\n');
    const added = (await json(repo, 'status')).tables[0];
    expect(added.schemaChanged).toBe(true);
    expect(await repo.ok('status')).toMatch(/\tt \(t\.csv\) .*schema changed\n/);
    await repo.write('t.csv', 'id,qty\n1,5\n2,6.5\n');
    const widened = (await json(repo, 'status')).tables[0];
    expect(widened).toMatchObject({ schemaChanged: true, unstaged: { modified: 1 } });
  });

  it('status: before the first commit, staged tables are new', async () => {
    await using repo = await newRepo({ 'orders.csv': ORDERS });
    await track(repo, 'orders.csv', ['id']);
    const out = await repo.ok('status');
    expect(out).toBe('On branch main\nNo commits yet\n\nChanges to be committed:\n\tnew table: orders (orders.csv)  +12\n');
  });

  it('status: a table removed with rm is a staged deletion', async () => {
    await using repo = await ordersRepo();
    await repo.ok('rm', 'orders');
    expect(await repo.exists('orders.csv')).toBe(false);
    const t = (await json(repo, 'status')).tables[0];
    expect(t).toMatchObject({ table: 'orders', change: 'deleted', staged: { removed: 12 } });
  });
});

describe('status: files that cannot be committed, and conflicts', () => {
  it('status: a duplicated key line, a NULL key or an unreadable file is reported as invalid, never clean', async () => {
    await using repo = await tempRepo({ 't.csv': 'id,v\n1,a\n2,b\n' });
    await track(repo, 't.csv', ['id']); // set-up in-process; status and commit run the CLI
    await commit(repo, 'load');
    for (const [text, problem] of [
      ['id,v\n1,a\n2,b\n2,b\n', 'duplicate key'],
      ['id,v\n1,a\n,b\n', 'NULL'],
      ['id,v\n1,a\n2,"b\n', "cannot read 't.csv'"],
    ]) {
      await repo.write('t.csv', text);
      const out = await repo.ok('status');
      expect(out).not.toContain('nothing to commit');
      expect(out).toContain('invalid: t (t.csv)');
      expect(out).toContain(problem);
      const st = await json(repo, 'status');
      expect(st.tables[0]).toMatchObject({ table: 't', change: 'invalid' });
      expect(st.tables[0].problem).toContain(problem);
      expect((await repo.run('commit', '-am', 'x')).exitCode).toBe(2);
    }
  }, 180_000);

  it('status: during a merge it lists the tables with unresolved conflicts', async () => {
    await using repo = await tempRepo({ 't.csv': 'id,v\n1,a\n2,b\n' });
    // Set-up in-process (the history and the conflicting merge); status runs the CLI.
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'load');
    const a = await api(repo);
    await a.createBranch('other');
    await repo.write('t.csv', 'id,v\n1,ours\n2,b\n');
    await commit(repo, 'ours', true);
    await a.checkout({ target: 'other' });
    await repo.write('t.csv', 'id,v\n1,theirs\n2,b\n');
    await commit(repo, 'theirs', true);
    await a.checkout({ target: 'main' });
    expect((await a.merge({ source: 'other' })).status).toBe('conflicts');
    const st = await json(repo, 'status');
    expect(st.state).toBe('merging');
    expect(st.conflicted).toEqual(['t']);
    const out = await repo.ok('status');
    expect(out).toContain('Unmerged tables:');
    expect(out).toContain('both modified: t');
    expect(out).not.toContain('nothing to commit');
  }, 180_000);
});
