import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { tempRepo, type TempRepo } from '../helpers.js';

// issue 16, defect 3: `--where` matches rows by key across both sides, then keeps a change when
// either side's row satisfies it, with its true kind, in every format.

/** Set-up in-process (`add`, `commit -m`: the API the CLI calls); the diffs under test run the CLI. */
async function repoWith(before: string, after: string, key = 'id'): Promise<TempRepo> {
  const repo = await tempRepo({ 't.csv': before });
  const a = await Repo.open(repo.dir);
  await a.add({ paths: ['t.csv'], cwd: repo.dir, ...(key ? { key: [key] } : { keyless: true }) });
  await a.commit({ message: 'load' });
  await repo.write('t.csv', after);
  return repo;
}

describe('diff --where: rows matched by key before the filter', () => {
  it('diff: a modified row whose new value matches and old does not stays modified in every format', async () => {
    await using repo = await repoWith('id,v,r\n1,5,US\n2,7,EU\n3,9,US\n', 'id,v,r\n1,15,EU\n2,17,US\n3,10,US\n4,1,EU\n');
    const where = ['--where', "r = 'EU'"];
    const j = JSON.parse(await repo.ok('diff', '--json', ...where));
    expect(j.tables[0].stats).toEqual({ added: 1, removed: 0, modified: 2 });
    expect(j.tables[0].rows.map((r: { op: string; key: { id: number } }) => `${r.op} ${r.key.id}`)).toEqual([
      'modified 1',
      'modified 2',
      'added 4',
    ]);
    const sql = await repo.ok('diff', '--format', 'sql', ...where);
    expect(sql).toContain(`UPDATE "t" SET "v" = 15, "r" = 'EU' WHERE "id" = 1;`);
    expect(sql).toContain(`UPDATE "t" SET "v" = 17, "r" = 'US' WHERE "id" = 2;`);
    expect(sql).toContain(`INSERT INTO "t" ("id", "v", "r") VALUES (4, 1, 'EU');`);
    expect(sql).not.toMatch(/INSERT INTO "t" \([^)]*\) VALUES \(1,/);
    expect(sql).not.toMatch(/DELETE/);
    expect(await repo.ok('diff', '--format', 'csv', ...where)).toBe('op,id,v,r\nmodified,1,15,EU\nmodified,2,17,US\nadded,4,1,EU\n');
    const text = await repo.ok('diff', ...where);
    expect(text).toContain('~ 1');
    expect(text).toContain('~ 2');
    expect(text).not.toContain('+ 1');
    expect(await repo.ok('diff', '--stat', ...where)).toContain('+1 ~2 -0');
  }, 180_000);

  it('diff: a column only one side has is NULL on the other; it does not make every row removed', async () => {
    await using repo = await repoWith('id,v\n1,5\n2,7\n', 'id,v,tag\n1,5,x\n2,8,\n3,1,x\n');
    const j = JSON.parse(await repo.ok('diff', '--json', '--where', "tag = 'x'"));
    expect(j.tables[0].rows.map((r: { op: string; key: { id: number } }) => `${r.op} ${r.key.id}`)).toEqual(['modified 1', 'added 3']);
    const gone = await repoWith('id,v,tag\n1,5,x\n2,7,y\n', 'id,v\n1,6\n2,7\n');
    try {
      const g = JSON.parse(await gone.ok('diff', '--json', '--where', "tag = 'x'"));
      expect(g.tables[0].stats).toEqual({ added: 0, removed: 0, modified: 1 });
    } finally {
      await gone[Symbol.asyncDispose]();
    }
  }, 180_000);

  it('diff: committed revisions and --columns follow the same rule', async () => {
    await using repo = await repoWith('id,v,r,n\n1,5,US,a\n2,7,EU,b\n', 'id,v,r,n\n1,6,EU,a\n2,7,US,c\n');
    await (await Repo.open(repo.dir)).commit({ message: 'edit', all: true });
    const j = JSON.parse(await repo.ok('diff', '--json', 'HEAD~1', 'HEAD', '--where', "r = 'EU'", '--columns', 'v'));
    // Row 2 changed only columns that are not compared.
    expect(j.tables[0].rows).toEqual([{ op: 'modified', key: { id: 1 }, before: { id: 1, v: 5 }, after: { id: 1, v: 6 }, changed: ['v'] }]);
  }, 180_000);
});
