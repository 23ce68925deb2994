import { describe, expect, it } from 'vitest';
import { api, commit, json, newRepo, track } from './core-helpers.js';

/** main: one → two (t: ~1 +1, u added); f (from one): f1 (t ~1); then merge f into main. */
async function history() {
  const repo = await newRepo({ 't.csv': 'id,a\n1,x\n2,y\n' });
  await track(repo, 't.csv', ['id']);
  await commit(repo, 'one');
  await repo.write('t.csv', 'id,a\n1,x\n2,Y\n3,z\n');
  await repo.write('u.csv', 'k,日本\n1,日本語\n');
  await track(repo, 'u.csv', ['k']);
  await commit(repo, 'two', true);
  // In-process, as the rest of the set-up (the views under test run the CLI).
  const a = await api(repo);
  await a.createBranch('f', 'HEAD~1');
  await a.checkout({ target: 'f' });
  await repo.write('t.csv', 'id,a\n1,xx\n2,y\n');
  await withEnv({ LAKEGIT_AUTHOR_NAME: 'Bob', LAKEGIT_AUTHOR_DATE: '2026-02-01T00:00:00Z' }, () => commit(repo, 'f1 by bob', true));
  await a.checkout({ target: 'main' });
  const merged = await withEnv({ LAKEGIT_AUTHOR_DATE: '2026-03-01T00:00:00Z' }, () => a.merge({ source: 'f', message: 'merge f' }));
  expect(merged.status).toBe('merged');
  return repo;
}

/** Run `fn` with these environment variables set, then put them back. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('show, log views and review formats', () => {
  it('show prints the commit and its rows; --stat counts only; --json nests the diff', async () => {
    await using repo = await history();
    const text = await repo.ok('show', 'HEAD~1');
    expect(text).toMatch(
      /^commit [0-9a-f]{40}\nAuthor: Ann Analyst <ann@example.com>\nDate: {3}2026-01-01T00:00:00Z\n\n {4}two\n\ndiff t /,
    );
    expect(text).toContain('~ 2 │ a: y → Y');
    expect(text).toContain('+ 3 │ a=z');
    const stat = await repo.ok('show', 'HEAD~1', '--stat');
    expect(stat).toContain(' t (modified)  +1 ~1');
    expect(stat).not.toContain('│');
    const shown = await json(repo, 'show', 'HEAD~1');
    expect(shown.message).toBe('two');
    expect(shown.diff.tables.map((t: any) => [t.table, t.stats])).toEqual([
      ['t', { added: 1, removed: 0, modified: 1 }],
      ['u', { added: 1, removed: 0, modified: 0 }],
    ]);
    expect(shown.diff.tables[0].rows).toContainEqual({
      op: 'modified',
      key: { id: 2 },
      before: { id: 2, a: 'y' },
      after: { id: 2, a: 'Y' },
      changed: ['a'],
    });
    const root = await json(repo, 'show', 'HEAD~2');
    expect(root.diff.from).toBe('EMPTY');
    expect(root.diff.tables[0].stats).toEqual({ added: 2, removed: 0, modified: 0 });
  });

  it('log --graph draws the merge; --author, --grep, --since/--until, --all and --stat filter and count', async () => {
    await using repo = await history();
    expect((await repo.ok('log', '--graph', '--oneline')).replace(/[0-9a-f]{7} /g, '')).toBe(
      ['*   merge f'.replace('   ', ' '), '|\\', '| * f1 by bob', '* | two', '|/', '* one', ''].join('\n'),
    );
    const messages = async (...args: string[]) => (await json(repo, 'log', ...args)).map((e: any) => e.message);
    expect(await messages('--author', 'bob')).toEqual(['f1 by bob']);
    expect(await messages('--grep', '^T')).toEqual(['two']);
    expect(await messages('--since', '2026-01-15', '--until', '2026-02-01')).toEqual(['f1 by bob']);
    await (await api(repo)).reset('HEAD~1', 'hard'); // set-up in-process: reset has its own tests
    expect(await messages()).toEqual(['two', 'one']);
    expect(await messages('--all')).toEqual(['f1 by bob', 'two', 'one']);
    const stat = await json(repo, 'log', '--stat', '-n', '1');
    expect(stat[0].changes.map((c: any) => [c.table, c.added, c.modified])).toEqual([
      ['t', 1, 1],
      ['u', 1, 0],
    ]);
    expect(await repo.ok('log', '--stat', '--oneline', '-n', '1')).toMatch(/^[0-9a-f]{7} two\n t \+1 ~1\n u \+1\n$/);
    for (const bad of [
      ['-n', 'abc'],
      ['--table', 'nosuch'],
      ['--since', 'yesterdayish'],
      ['--author', '('],
    ]) {
      const r = await repo.run('log', ...bad);
      expect([r.exitCode, r.stderr], bad.join(' ')).toEqual([2, expect.stringMatching(/^lakegit: error: /)]);
    }
  });

  it('log --key finds the one table with that key; names the candidates when several have it', async () => {
    await using repo = await history();
    expect((await json(repo, 'log', '--key', 'id=2')).map((e: any) => e.message)).toEqual(['two', 'one']);
    expect((await json(repo, 'log', '--key', 'k=1')).map((e: any) => e.message)).toEqual(['two']);
    const r = await repo.run('log', '--key', 'zz=1');
    expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('no table of this revision has the primary key zz')]);
  });

  it('diff --format markdown, --name-only, and a table column in a multi-table csv', async () => {
    await using repo = await history();
    const md = await repo.ok('diff', 'HEAD~2', 'HEAD~1', '--format', 'markdown', '--limit', '1');
    expect(md).toContain('### `t` — modified: +1 ~1 -0');
    expect(md).toContain('| op | `id` | `a` |\n| --- | --- | --- |\n| modified | 2 | y → **Y** |');
    expect(md).toContain('*… and 1 more changed row(s) not shown.*');
    expect(md).toContain('| added | 1 | 日本語 |');
    expect(await repo.ok('diff', 'HEAD~2', 'HEAD~1', '--name-only')).toBe('t\nu\n');
    expect(await repo.ok('diff', 'HEAD~1', 'HEAD', '--name-only')).toBe('t\n');
    const csv = await repo.ok('diff', 'HEAD~2', 'HEAD~1', '--format', 'csv');
    expect(csv).toBe('table,op,id,a\nt,modified,2,Y\nt,added,3,z\n\ntable,op,k,日本\nu,added,1,日本語\n');
    expect(await repo.ok('diff', 'HEAD~2', 'HEAD~1', 't', '--format', 'csv')).toBe('op,id,a\nmodified,2,Y\nadded,3,z\n');
  });

  it('check --format markdown: a summary table, then each failure with sample rows and what was left out', async () => {
    await using repo = await history();
    await repo.write('lakegit.yaml', 'checks:\n  t:\n    accepted_values: { a: [x, y] }\n    not_null: [a]\n');
    await (await api(repo)).add({ paths: ['lakegit.yaml'], cwd: repo.dir });
    expect((await (await api(repo)).commit({ message: 'checks', noVerify: true })).status).toBe('committed');
    const r = await repo.run('check', '--format', 'markdown');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('### lakegit check: ❌ 1 of 2 check(s) failed');
    expect(r.stdout).toContain('| ✅ | t | not_null(a) | 0 |');
    expect(r.stdout).toMatch(/\| ❌ \| t \| accepted_values\(a\) \| 3 \|/);
    expect(r.stdout).toContain('| id | a |');
    // more violations than the sample: the rest are counted, not shown
    await repo.write('t.csv', `id,a\n${Array.from({ length: 8 }, (_, i) => `${i + 10},q`).join('\n')}\n`);
    await (await api(repo)).commit({ message: 'eight bad rows', all: true, noVerify: true });
    const many = await repo.run('check', '--format', 'markdown');
    expect(many.stdout).toMatch(/\| ❌ \| t \| accepted_values\(a\) \| 8 \|/);
    expect(many.stdout.match(/^\| 1\d \| q \|$/gm)).toHaveLength(5);
    expect(many.stdout).toContain('*… and 3 more violating row(s) not shown.*');
  });

  it('wide characters keep sql and blame columns aligned', async () => {
    await using repo = await history();
    const out = await repo.ok('sql', 'select k, "日本" as w, 1 as n from u');
    const [header, rule, row] = out.trimEnd().split('\n');
    expect(rule).toBe('-  ------  -');
    expect(header).toBe('k  w       n');
    expect(row).toBe('1  日本語  1');
  });
});
