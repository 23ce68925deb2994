import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { execFileText } from '../helpers.js';
import {
  api,
  commit,
  editRow,
  expectRefusedUnchanged,
  json,
  logJson,
  newRepo,
  ORDERS,
  ordersRepo,
  statusJson,
  track,
} from './core-helpers.js';

// The history and status a commit left are read in-process (logJson / statusJson: what `log --json` and
// `status --json` print); commit itself, and show of what it recorded, run the CLI.

describe('commit', () => {
  it('commit: records the staged tables, moves the branch and git sees the commit', async () => {
    await using repo = await newRepo({ 'orders.csv': ORDERS });
    await track(repo, 'orders.csv', ['id']);
    const out = await repo.ok('commit', '-m', 'load orders');
    expect(out).toMatch(/^\[main [0-9a-f]{7}\] load orders\n 1 table\(s\) changed\n orders \+12\n$/);
    const [entry] = await logJson(repo);
    expect(entry).toMatchObject({
      parents: [],
      author: 'Ann Analyst <ann@example.com>',
      date: '2026-01-01T00:00:00Z',
      message: 'load orders',
      tables: ['orders'],
    });
    expect(out).toContain(entry.commit.slice(0, 7));
    const git = await execFileText('git', ['--git-dir', '.lakegit', 'log', '--format=%H %an %s', 'main'], repo.dir);
    expect(git.trim()).toBe(`${entry.commit} Ann Analyst load orders`);
    const manifest = JSON.parse(await execFileText('git', ['--git-dir', '.lakegit', 'show', 'HEAD:tables/orders.json'], repo.dir));
    expect(manifest).toMatchObject({ key: ['id'], rows: 12, source: { file: 'orders.csv', format: 'csv' } });
    expect(manifest.columns.map((c: any) => c.name)).toEqual(['id', 'customer_id', 'amount', 'status', 'created_at', 'paid', 'note']);
    expect((await statusJson(repo)).tables[0].staged).toEqual({ added: 0, removed: 0, modified: 0 });
  });

  it('commit: fixed identity and date give the same commit id in two repositories', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      await using repo = await newRepo({ 'orders.csv': ORDERS });
      await track(repo, 'orders.csv', ['id']);
      await repo.ok('commit', '-m', 'load');
      ids.push((await logJson(repo))[0].commit);
    }
    expect(ids[1]).toBe(ids[0]);
  });

  it('commit: with nothing staged is refused with exit 1 and changes nothing', async () => {
    await using repo = await ordersRepo();
    await repo.write('orders.csv', ORDERS.replace('\n1,101,', '\n1,109,')); // changed but not staged
    const r = await expectRefusedUnchanged(repo, 1, 'commit', '-m', 'nothing');
    expect(r.stderr).toContain('nothing to commit');
    expect(r.stderr).toContain('hint:');
  });

  it('commit: --allow-empty records a commit without changes', async () => {
    await using repo = await ordersRepo();
    await repo.ok('commit', '--allow-empty', '-m', 'empty');
    const log = await logJson(repo);
    expect(log.map((e: any) => [e.message, e.tables])).toEqual([
      ['empty', []],
      ['load orders', ['orders']],
    ]);
  });

  it('commit: a message is required', async () => {
    await using repo = await ordersRepo();
    await repo.write('orders.csv', ORDERS.replace('\n1,101,', '\n1,109,'));
    await track(repo, 'orders.csv', ['id']);
    const r = await expectRefusedUnchanged(repo, 2, 'commit');
    expect(r.stderr).toContain('-m');
  });

  it('commit: -a stages changed and deleted tracked tables but not untracked files', async () => {
    await using repo = await ordersRepo({ 'customers.csv': 'id,name\n1,Ann\n' });
    await track(repo, 'customers.csv', ['id']);
    await commit(repo, 'customers');
    await repo.write('orders.csv', editRow(ORDERS, '4', null));
    await fsp.rm(repo.path('customers.csv'));
    await repo.write('extra.csv', 'id\n1\n');
    expect(await repo.ok('commit', '-am', 'prune')).toMatch(/ 2 table\(s\) changed\n customers -\d+\n orders -\d+\n$/);
    const show = await json(repo, 'show', 'HEAD');
    expect(show.changes).toEqual([
      { table: 'customers', status: 'removed', schemaChanged: false, added: 0, removed: 1, modified: 0 },
      { table: 'orders', status: 'modified', schemaChanged: false, added: 0, removed: 1, modified: 0 },
    ]);
    expect((await statusJson(repo)).untracked).toEqual(['extra.csv']);
  });

  it('commit: --author names the author; a malformed one is exit 2', async () => {
    await using repo = await ordersRepo();
    await repo.ok('commit', '--allow-empty', '-m', 'by bob', '--author', 'Bob Builder <bob@example.com>');
    expect((await logJson(repo, { n: 1 }))[0].author).toBe('Bob Builder <bob@example.com>');
    const r = await expectRefusedUnchanged(repo, 2, 'commit', '--allow-empty', '-m', 'x', '--author', 'no email here');
    expect(r.stderr).toContain('--author must look like "Name <email>"');
  });

  it('commit: an added column and a widened type are recorded in the manifest', async () => {
    await using repo = await newRepo({ 't.csv': 'id,qty\n1,5\n2,6\n' });
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'load');
    await repo.write('t.csv', 'id,qty,note\n1,5,a\n2,6.5,\n');
    await repo.ok('commit', '-am', 'widen');
    const cols = async (rev: string) =>
      JSON.parse(await execFileText('git', ['--git-dir', '.lakegit', 'show', `${rev}:tables/t.json`], repo.dir)).columns;
    expect(await cols('HEAD~1')).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'qty', type: 'BIGINT' },
    ]);
    expect(await cols('HEAD')).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'qty', type: 'DOUBLE' },
      { name: 'note', type: 'VARCHAR' },
    ]);
    expect((await json(repo, 'show', 'HEAD')).changes[0]).toMatchObject({ table: 't', schemaChanged: true });
    await repo.ok('checkout', 'HEAD~1');
    expect(await repo.read('t.csv')).toBe('id,qty\n1,5\n2,6\n');
  });

  it('commit: a one-row change adds one small change chunk and keeps the base chunks', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `${i},${(i * 37) % 1000},name ${i}`).join('\n');
    await using repo = await newRepo({ 'big.csv': `id,v,name\n${rows}\n` });
    await track(repo, 'big.csv', ['id']);
    await commit(repo, 'load');
    const before = new Set(await fsp.readdir(repo.path('.lakegit/chunks')));
    await repo.write('big.csv', `id,v,name\n${rows.replace('\n1500,', '\n1500,9')}\n`);
    await repo.ok('commit', '-am', 'one row');
    const after = await fsp.readdir(repo.path('.lakegit/chunks'));
    const added = after.filter((f) => !before.has(f));
    expect(added).toHaveLength(1);
    expect([...before].every((f) => after.includes(f))).toBe(true);
    const size = (await fsp.stat(repo.path(`.lakegit/chunks/${added[0]}`))).size;
    expect(size).toBeLessThan(4096);
  });

  it('commit: LAKEGIT_AUTHOR_DATE in seconds and the config identity are used', async () => {
    await using repo = await ordersRepo();
    await (await api(repo)).setConfig('user.name', 'Cleo Config');
    await (await api(repo)).setConfig('user.email', 'cleo@example.com');
    const r = await repo.runEnv(
      { LAKEGIT_AUTHOR_NAME: '', LAKEGIT_AUTHOR_EMAIL: '', GIT_AUTHOR_NAME: '', GIT_AUTHOR_EMAIL: '', LAKEGIT_AUTHOR_DATE: '1700000000' },
      'commit',
      '--allow-empty',
      '-m',
      'configured',
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await logJson(repo, { n: 1 }))[0]).toMatchObject({
      author: 'Cleo Config <cleo@example.com>',
      date: '2023-11-14T22:13:20Z',
    });
  });
});
