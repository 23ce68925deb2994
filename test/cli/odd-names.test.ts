import { promises as fsp } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers.js';
import { commit, expectRefusedUnchanged, statusJson, track } from './core-helpers.js';

// issue 16, defect 7 (import and diff): the user's column names are the user's.

/**
 * A Parquet file written by DuckDB's COPY whose column `ZZ` is then renamed `rename` in the file's
 * footer (Thrift metadata, the names stored as plain strings): COPY itself renames a column that
 * differs only by case from another (`ID` becomes `ID_1`), other writers do not.
 */
async function writeParquet(abs: string, select: string, rename: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`COPY (${select}) TO '${abs}' (FORMAT parquet)`);
    const bytes = await fsp.readFile(abs);
    const footer = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
    const [from, to] = [Buffer.from('ZZ'), Buffer.from(rename)];
    for (let at = bytes.indexOf(from, footer); at >= 0; at = bytes.indexOf(from, at + 1)) to.copy(bytes, at);
    await fsp.writeFile(abs, bytes);
    const names = await conn.runAndReadAll(`SELECT name FROM parquet_schema('${abs}')`);
    return names.getRowsJson().map((r) => String(r[0]));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const NAMES = ['id', '__op', 'w', 'filename', 'rowid', 'select'];
const q = (n: string) => `"${n}"`;

describe('column names', () => {
  it('names like __op, w, filename, rowid and select work through add, commit and diff in every format', async () => {
    const header = NAMES.join(',');
    await using repo = await tempRepo({ 'o.csv': `${header}\n1,a,b,c,d,e\n2,f,g,h,i,j\n3,k,l,m,n,o\n` });
    await repo.ok('add', 'o.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load');
    await repo.write('o.csv', `${header}\n1,a,B,c,d,e\n3,k,l,m,n,O\n4,p,q,r,s,t\n`);
    const j = JSON.parse(await repo.ok('diff', '--json'));
    expect(j.tables[0].stats).toEqual({ added: 1, removed: 1, modified: 2 });
    expect(j.tables[0].rows[0]).toEqual({
      op: 'modified',
      key: { id: 1 },
      before: { id: 1, __op: 'a', w: 'b', filename: 'c', rowid: 'd', select: 'e' },
      after: { id: 1, __op: 'a', w: 'B', filename: 'c', rowid: 'd', select: 'e' },
      changed: ['w'],
    });
    expect(await repo.ok('diff', '--format', 'csv')).toBe(
      `op,${header}\nmodified,1,a,B,c,d,e\nremoved,2,f,g,h,i,j\nmodified,3,k,l,m,n,O\nadded,4,p,q,r,s,t\n`,
    );
    const sql = await repo.ok('diff', '--format', 'sql');
    expect(sql).toContain(`UPDATE "o" SET "select" = 'O' WHERE "id" = 3;`);
    expect(sql).toContain(`INSERT INTO "o" (${NAMES.map(q).join(', ')}) VALUES (4, 'p', 'q', 'r', 's', 't');`);
    expect(await repo.ok('diff', '--stat')).toContain('+1 ~2 -1');
    const filtered = JSON.parse(await repo.ok('diff', '--json', '--where', `"select" = 'O' OR w = 'g'`, '--columns', 'select,__op'));
    expect(filtered.tables[0].rows.map((r: { op: string; key: { id: number } }) => `${r.op} ${r.key.id}`)).toEqual([
      'removed 2',
      'modified 3',
    ]);
    await repo.ok('commit', '-am', 'edit');
    const text = await repo.ok('diff', 'HEAD~1', 'HEAD');
    expect(text).toContain('w: b → B');
  }, 180_000);

  it('keyless tables with columns named w and __op diff as multisets', async () => {
    await using repo = await tempRepo({ 'k.csv': 'w,__op,filename\n1,x,a\n1,x,a\n2,y,b\n' });
    await track(repo, 'k.csv', null); // set-up in-process; diff is the verb under test
    await commit(repo, 'load');
    await repo.write('k.csv', 'w,__op,filename\n1,x,a\n2,y,b\n3,z,c\n');
    const j = JSON.parse(await repo.ok('diff', '--json'));
    expect(j.tables[0].rows).toEqual([
      { op: 'removed', key: null, before: { w: 1, __op: 'x', filename: 'a' }, after: null, changed: [] },
      { op: 'added', key: null, before: null, after: { w: 3, __op: 'z', filename: 'c' }, changed: [] },
    ]);
  }, 180_000);

  it('columns whose names differ only by case, or start with __lakegit_, are bad input in every format', async () => {
    await using repo = await tempRepo({
      'a.csv': 'id,ID,v\n1,2,x\n',
      'b.tsv': 'id\tv\tV\n1\tx\ty\n',
      'c.jsonl': '{"id":1,"ID":2,"v":"a"}\n',
      'd.jsonl': '{"id":1,"v":"a"}\n{"id":2,"V":"b"}\n',
      'e.csv': 'id,__LAKEGIT_x\n1,2\n',
    });
    for (const [file, a, b] of [
      ['a.csv', 'id', 'ID'],
      ['b.tsv', 'v', 'V'],
      ['c.jsonl', 'ID', 'id'],
      ['d.jsonl', 'V', 'v'],
    ]) {
      const r = await repo.run('add', file, '--key', 'id');
      expect(r.exitCode, file).toBe(2);
      expect(r.stderr).toContain(`'${a}'`);
      expect(r.stderr).toContain(`'${b}'`);
      expect(r.stderr).toContain('differ only by case');
    }
    const reserved = await repo.run('add', 'e.csv', '--key', 'id');
    expect(reserved.exitCode).toBe(2);
    expect(reserved.stderr).toContain('__LAKEGIT_x');
    expect((await statusJson(repo)).tables).toEqual([]);
  }, 180_000);

  it('a Parquet file with columns id and ID is bad input to add, commit -a and status, and nothing changes', async () => {
    await using repo = await tempRepo();
    expect(await writeParquet(repo.path('p.parquet'), `SELECT 1 AS id, 2 AS "ZZ", 'x' AS v`, 'ID')).toEqual([
      'duckdb_schema',
      'id',
      'ID',
      'v',
    ]);
    const add = await expectRefusedUnchanged(repo, 2, 'add', 'p.parquet', '--key', 'id');
    expect(add.stderr).toContain(`'p.parquet' has columns 'id' and 'ID', whose names differ only by case`);
    expect((await statusJson(repo)).tables).toEqual([]);

    // A tracked file that gains such a column.
    await writeParquet(repo.path('q.parquet'), `SELECT i AS id, 'x' AS v FROM range(3) t(i)`, 'ZZ');
    await track(repo, 'q.parquet', ['id']); // set-up in-process
    await commit(repo, 'load');
    await writeParquet(repo.path('q.parquet'), `SELECT i AS id, 'x' AS v, 'y' AS "ZZ" FROM range(3) t(i)`, 'ID');
    const message = `'q.parquet' has columns 'id' and 'ID', whose names differ only by case`;
    expect((await expectRefusedUnchanged(repo, 2, 'commit', '-am', 'case')).stderr).toContain(message);
    expect((await expectRefusedUnchanged(repo, 2, 'add', 'q.parquet')).stderr).toContain(message);
    // status reads the file as add would, and reports it as a file that cannot be committed.
    const status = JSON.parse(await repo.ok('status', '--json'));
    expect(status.tables).toMatchObject([{ table: 'q', change: 'invalid', problem: message }]);
    expect(await repo.ok('status')).toContain(`invalid: q (q.parquet)  ${message}`);
  }, 180_000);

  it('a tracked JSON Lines file that gains a key differing only by case is bad input, not a silent NULL', async () => {
    await using repo = await tempRepo({ 'j.jsonl': '{"id":1,"v":"a"}\n' });
    await track(repo, 'j.jsonl', ['id']); // set-up in-process; the refused commit runs the CLI
    await commit(repo, 'load');
    await repo.write('j.jsonl', '{"id":1,"v":"a","V":"b"}\n');
    const r = await repo.run('commit', '-am', 'case');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('differ only by case');
  }, 180_000);
});
