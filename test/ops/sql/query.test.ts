import { describe, expect, it } from 'vitest';
import { Repo } from '../../../src/repo.js';
import { snapshotDir, tempRepo } from '../../helpers.js';

describe('sqlQuery: the read-only guard', () => {
  it('refuses every statement kind that is not a SELECT, before touching anything', async () => {
    await using repo = await tempRepo({ 'orders.csv': 'id,amount\n1,10\n2,20\n' });
    await repo.ok('add', 'orders.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    const api = await Repo.open(repo.dir);
    const before = await snapshotDir(repo.dir);
    const writes = [
      'delete from orders',
      'insert into orders values (5, 1)',
      'update orders set amount = 0',
      'create table t as select 1',
      'create temp view v as select 1',
      'create macro m() as 1',
      'drop view orders',
      'alter view orders rename to x',
      `copy orders to '${repo.path('o.csv')}'`,
      "attach 'x.db' as x",
      'detach x',
      'install httpfs',
      'load parquet',
      'set threads = 1',
      'reset threads',
      'pragma threads = 1',
      'checkpoint',
      'vacuum',
      `export database '${repo.path('dump')}'`,
      "import database 'dump'",
      'begin',
      'use memory',
      'pivot orders on amount',
      'prepare p as select 1',
      'call pragma_version()',
      'with x as (select 1) insert into orders select * from x',
      'explain analyze select 1',
    ];
    for (const w of writes) {
      await expect.soft(api.sql(w), w).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/read-only/) });
    }
    await expect(api.sql('select 1; select 2')).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/2 statements/) });
    await expect(api.sql('  -- nothing\n')).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/empty/) });
    expect(await snapshotDir(repo.dir)).toEqual(before);
  });

  it('accepts the read-only forms DuckDB parses as SELECT', async () => {
    await using repo = await tempRepo({ 'orders.csv': 'id,amount\n1,10\n2,20\n' });
    await repo.ok('add', 'orders.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    const api = await Repo.open(repo.dir);
    for (const q of [
      'from orders@HEAD',
      'describe orders',
      'summarize orders@HEAD',
      'values (1)',
      'select * from orders@HEAD union all select * from orders; -- trailing comment',
    ]) {
      const r = await api.sql(q);
      expect(r.rowCount, q).toBeGreaterThan(0);
    }
  });
});
