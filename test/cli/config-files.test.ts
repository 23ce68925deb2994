// amount (10.50, 99.99) is DECIMAL(18,2): exact inference keeps its two digits, and DuckDB gives DECIMALs as strings in JSON.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';
import { commit, editRow, expectRefusedUnchanged, lines, logJson, ORDERS, ordersRepo } from './core-helpers.js';

/** Rows of Parquet files read by DuckDB alone, knowing nothing of lakegit. */
async function readParquet(files: string[]): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const r = await conn.runAndReadAll(
      `SELECT id::INTEGER AS id, amount, note FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}]) ORDER BY id`,
    );
    return r.getRowsJson().map((row) => JSON.stringify(row));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('config', () => {
  it('config: sets, reads and unsets a setting; an unset key exits 1 with no output', async () => {
    await using repo = await ordersRepo();
    expect(await repo.ok('config', 'user.name', 'Dora Data')).toBe('');
    expect(await repo.ok('config', 'user.name')).toBe('Dora Data\n');
    await repo.ok('config', 'user.name', '--unset');
    const r = await repo.run('config', 'user.name');
    expect([r.exitCode, r.stdout]).toEqual([1, '']);
  });

  it('config: user.name and user.email sign commits when no variable names the author', async () => {
    await using repo = await ordersRepo();
    await repo.ok('config', 'user.name', 'Dora Data');
    await repo.ok('config', 'user.email', 'dora@example.com');
    const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-home-'));
    try {
      const env = {
        LAKEGIT_AUTHOR_NAME: '',
        LAKEGIT_AUTHOR_EMAIL: '',
        GIT_AUTHOR_NAME: '',
        GIT_AUTHOR_EMAIL: '',
        HOME: home,
        XDG_CONFIG_HOME: home,
      };
      const r = await runCli(repo.dir, ['commit', '--allow-empty', '-m', 'signed'], env);
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await logJson(repo, { n: 1 }))[0].author).toBe('Dora Data <dora@example.com>'); // in-process: log has its own tests
      await repo.ok('config', 'user.name', '--unset');
      const none = await runCli(repo.dir, ['commit', '--allow-empty', '-m', 'anon'], { ...env, GIT_CONFIG_NOSYSTEM: '1' });
      expect(none.exitCode).toBe(2);
      expect(none.stderr).toContain('no author name is set');
    } finally {
      await fsp.rm(home, { recursive: true, force: true });
    }
  });
});

describe('files and export', () => {
  it('files: prints absolute chunk paths that hold exactly the table, readable without lakegit', async () => {
    await using repo = await ordersRepo();
    const files = lines(await repo.ok('files', 'orders'));
    for (const f of files) expect(f).toMatch(new RegExp(`^${repo.dir}/\\.lakegit/chunks/[0-9a-f]{64}\\.parquet$`));
    const rows = await readParquet(files);
    expect(rows).toHaveLength(12);
    expect(rows[3]).toBe(JSON.stringify([4, '99.99', 'gift, wrapped']));
    expect(lines(await repo.ok('files', 'orders', '--relative'))).toEqual(files.map((f) => path.relative(repo.dir, f)));
  });

  it('files: after a change the printed files still hold each row exactly once, and an older revision too', async () => {
    await using repo = await ordersRepo();
    await repo.write(
      'orders.csv',
      `${editRow(editRow(ORDERS, '4', '4,103,1.00,paid,2024-01-06 12:45:00,true,cheap'), '8', null)}13,101,2.00,new,2024-02-01 00:00:00,false,new one\n`,
    );
    await commit(repo, 'edit', true);
    const rows = await readParquet(lines(await repo.ok('files', 'orders@HEAD')));
    expect(rows).toHaveLength(12);
    expect(rows).toContain(JSON.stringify([4, '1.00', 'cheap']));
    expect(rows).toContain(JSON.stringify([13, '2.00', 'new one']));
    expect(rows.some((r) => r.startsWith('[8,'))).toBe(false);
    const old = await readParquet(lines(await repo.ok('files', 'orders@HEAD~1')));
    expect(old).toContain(JSON.stringify([8, '120.00', 'said "fragile"']));
    expect(await repo.ok('fsck')).toContain(': ok');
  });

  it('export: writes CSV, TSV, Parquet and JSON Lines by extension, at any revision', async () => {
    await using repo = await ordersRepo();
    await repo.write('orders.csv', editRow(ORDERS, '1', null));
    await commit(repo, 'drop 1', true);
    const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-export-'));
    try {
      expect(await repo.ok('export', 'orders@HEAD~1', path.join(out, 'o.csv'))).toBe(`wrote 12 rows to ${path.join(out, 'o.csv')}\n`);
      expect(lines(await fsp.readFile(path.join(out, 'o.csv'), 'utf8'))[1]).toBe('1,101,10.50,new,2024-01-03 09:15:00,false,');
      await repo.ok('export', 'orders', path.join(out, 'o.tsv'));
      expect(lines(await fsp.readFile(path.join(out, 'o.tsv'), 'utf8'))).toHaveLength(12);
      await repo.ok('export', 'orders', path.join(out, 'o.parquet'));
      expect(await readParquet([path.join(out, 'o.parquet')])).toHaveLength(11);
      await repo.ok('export', 'orders', path.join(out, 'o.ndjson'));
      expect(JSON.parse(lines(await fsp.readFile(path.join(out, 'o.ndjson'), 'utf8'))[0]).id).toBe(2);
    } finally {
      await fsp.rm(out, { recursive: true, force: true });
    }
  });

  it('export: an unknown extension, .json, an unknown table or revision is exit 2 and writes nothing', async () => {
    await using repo = await ordersRepo();
    expect((await expectRefusedUnchanged(repo, 2, 'export', 'orders', 'o.xlsx')).stderr).toContain("'");
    expect((await expectRefusedUnchanged(repo, 2, 'export', 'orders', 'o.json')).stderr).toContain('use .jsonl or .ndjson');
    expect((await expectRefusedUnchanged(repo, 2, 'export', 'nosuch', 'o.csv')).stderr).toContain("no table 'nosuch'");
    expect((await expectRefusedUnchanged(repo, 2, 'export', 'orders@v9', 'o.csv')).stderr).toContain("unknown revision 'v9'");
    expect(await fsp.readdir(repo.dir)).toEqual(['.lakegit', 'orders.csv']);
  });
});
