import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { api, commit, expectRefusedUnchanged, fixture, logJson, ORDERS, ordersRepo, statusJson, track } from './core-helpers.js';

describe('rm and mv', () => {
  it('rm: stops tracking and deletes the file; the commit records the table as removed', async () => {
    await using repo = await ordersRepo();
    expect(await repo.ok('rm', 'orders')).toBe("rm 'orders'\n");
    expect(await repo.exists('orders.csv')).toBe(false);
    // The commit and the reads of what it recorded in-process (commit, show, status and checkout have their own CLI tests).
    const a = await api(repo);
    await a.commit({ message: 'drop orders' });
    expect(JSON.parse(JSON.stringify(await a.show('HEAD'))).changes).toEqual([
      { table: 'orders', status: 'removed', schemaChanged: false, added: 0, removed: 12, modified: 0 },
    ]);
    expect((await statusJson(repo)).tables).toEqual([]);
    await a.checkout({ target: 'HEAD~1' });
    expect(await repo.read('orders.csv')).toContain('\n12,104,');
  });

  it('rm: refuses to delete a file with uncommitted rows (exit 1, nothing changed); --force deletes it', async () => {
    await using repo = await ordersRepo();
    const edited = ORDERS.replace('\n3,101,7.25,', '\n3,101,9.99,');
    await repo.write('orders.csv', edited);
    const r = await expectRefusedUnchanged(repo, 1, 'rm', 'orders');
    expect(r.stderr).toContain("'orders.csv' has changes that are not committed");
    expect(await repo.read('orders.csv')).toBe(edited);
    await repo.ok('rm', 'orders', '--force');
    expect(await repo.exists('orders.csv')).toBe(false);
  });

  it('rm: --cached keeps the file, which becomes untracked', async () => {
    await using repo = await ordersRepo();
    await repo.ok('rm', 'orders', '--cached');
    expect(await repo.read('orders.csv')).toBe(ORDERS);
    const st = await statusJson(repo);
    expect(st.untracked).toEqual(['orders.csv']);
    expect(st.tables[0]).toMatchObject({ table: 'orders', change: 'deleted' });
  });

  it('mv: renames a table, keeps its file and chunks, and history follows the new name', async () => {
    await using repo = await ordersRepo({ 'customers.csv': fixture('customers.csv') });
    await track(repo, 'customers.csv', ['id']);
    await commit(repo, 'customers');
    const chunks = await fsp.readdir(repo.path('.lakegit/chunks'));
    expect(await repo.ok('mv', 'orders', 'sales')).toBe("renamed 'orders' to 'sales'\n");
    await commit(repo, 'rename');
    expect(await fsp.readdir(repo.path('.lakegit/chunks'))).toEqual(chunks);
    expect(await repo.read('orders.csv')).toBe(ORDERS);
    // History follows the new name: read in-process (log, files), but for the CLI's refusal of the old name.
    expect((await logJson(repo, { n: 1 }))[0].tables).toEqual(['orders', 'sales']);
    expect(await (await api(repo)).files('sales@HEAD')).toEqual(await (await api(repo)).files('orders@HEAD~1'));
    expect((await repo.run('files', 'orders@HEAD')).exitCode).toBe(2);
    expect((await expectRefusedUnchanged(repo, 2, 'mv', 'sales', 'customers')).stderr).toContain(
      "a table named 'customers' already exists",
    );
  });
});
