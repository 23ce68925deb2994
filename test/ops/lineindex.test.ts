import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { NothingToCommit } from '../../src/errors.js';
import { Repo } from '../../src/repo.js';
import { TEST_ENV, tempRepo } from '../helpers.js';

// The property runs its commits and exports in-process (the code the CLI calls, without a process
// per step); the refusals below run the real CLI for their exit codes.
Object.assign(process.env, TEST_ENV);

/** The rows of a CSV and of a table exported from HEAD, as sorted text, via DuckDB. */
async function rowsOf(file: string): Promise<string> {
  const e = await Engine.get();
  const rows = await e.all(
    `SELECT * FROM read_csv($1, header = true, allow_quoted_nulls = false,
    columns = {'id': 'BIGINT', 'name': 'VARCHAR', 'amount': 'DOUBLE'}) ORDER BY id`,
    [file],
  );
  return JSON.stringify(rows);
}

const header = 'id,name,amount';
const line = (id: number, name: string, amount: number) => `${id},${name},${amount}`;

describe('line index: re-staging a text file parses only the lines that changed', () => {
  it('commit -a after random edits (update, insert, delete, reformat, reorder) records exactly the file', async () => {
    await using repo = await tempRepo();
    const rows = new Map<number, string>();
    for (let i = 1; i <= 200; i++) rows.set(i, line(i, `n${i}`, i * 1.5));
    const write = () => repo.write('t.csv', `${header}\n${[...rows.values()].join('\n')}\n`);
    await write();
    const a = await Repo.open(repo.dir);
    await a.add({ paths: ['t.csv'], cwd: repo.dir, key: ['id'] });
    await a.commit({ message: 'load' });
    await a.commit({ message: 'noop', allowEmpty: true });
    const edit = fc.record({
      kind: fc.constantFrom('update', 'insert', 'delete', 'reformat', 'reverse'),
      id: fc.integer({ min: 1, max: 260 }),
      amount: fc.integer({ min: 0, max: 999 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 6 }), async (edits) => {
        for (const e of edits) {
          if (e.kind === 'update' && rows.has(e.id)) rows.set(e.id, line(e.id, `u${e.amount}`, e.amount));
          if (e.kind === 'insert' && !rows.has(e.id)) rows.set(e.id, line(e.id, `i${e.amount}`, e.amount / 4));
          if (e.kind === 'delete') rows.delete(e.id);
          if (e.kind === 'reformat' && rows.has(e.id))
            rows.set(
              e.id,
              rows.get(e.id)!.replace(/,(\d+(\.\d+)?)$/, (_, n) => `,${Number(n).toFixed(3)}`),
            );
          if (e.kind === 'reverse') {
            const all = [...rows].reverse();
            rows.clear();
            for (const [k, v] of all) rows.set(k, v);
          }
        }
        await write();
        const r = await Repo.open(repo.dir);
        await r.commit({ message: 'edit', all: true }).catch((e: unknown) => {
          if (!(e instanceof NothingToCommit)) throw e; // nothing to commit: a reformat only
        });
        await r.export('t@HEAD', repo.path('out.csv'));
        expect(await rowsOf(repo.path('out.csv'))).toBe(await rowsOf(repo.path('t.csv')));
        await fsp.rm(repo.path('out.csv'));
      }),
      { numRuns: 12 },
    );
    expect((await repo.run('fsck')).exitCode).toBe(0);
    const staged = JSON.parse(await repo.read('.lakegit/lakegit-index.json')).tables.t;
    expect(staged.lines?.manifest).toBe(staged.manifest); // the cheap path stayed in use
  }, 240_000);

  it('a duplicated line or a duplicated key is still refused with exit 2', async () => {
    await using repo = await tempRepo({ 't.csv': `${header}\n1,a,1\n2,b,2\n3,c,3\n` });
    const a = await Repo.open(repo.dir);
    await a.add({ paths: ['t.csv'], cwd: repo.dir, key: ['id'] });
    await a.commit({ message: 'load' });
    await repo.write('t.csv', `${header}\n1,a,1\n2,b,2\n3,c,3\n4,d,4\n`);
    await a.commit({ message: 'add 4', all: true }); // builds the index
    await repo.write('t.csv', `${header}\n1,a,1\n2,b,2\n3,c,3\n4,d,4\n4,d,4\n`);
    const dupLine = await repo.run('commit', '-am', 'dup line');
    expect(dupLine.exitCode).toBe(2);
    expect(dupLine.stderr).toContain('duplicate key');
    await repo.write('t.csv', `${header}\n1,a,1\n2,b,2\n3,c,3\n4,d,4\n2,z,9\n`);
    const dupKey = await repo.run('commit', '-am', 'dup key');
    expect(dupKey.exitCode).toBe(2);
    expect(dupKey.stderr).toContain('id=2');
  });
});
