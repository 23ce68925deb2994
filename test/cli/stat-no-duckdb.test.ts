import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJson } from '../../src/cli/render/diff-json.js';
import { Out } from '../../src/cli/render/diff-out.js';
import { execFileText, type TempRepo } from '../helpers.js';
import { api, commit, editRow, json, ORDERS, ordersRepo } from './core-helpers.js';

/*
 * Issue 15, "no DuckDB where no row is read": a commit records its own change counts in its tree
 * (stats.json, docs/format.md), so `diff A^ A --stat`, `show --stat`, `log --stat` answer from git
 * objects alone; `status` of an untouched tree, `branch`, `log` and `tag` read no rows either.
 * Each run here is watched by a preloaded hook that logs every native addon the process opens:
 * DuckDB is one (@duckdb/node-bindings-*), so an empty log means the engine was never loaded.
 */

const HOOK = `const fs = require('node:fs');
const dlopen = process.dlopen;
process.dlopen = function (...args) {
  fs.appendFileSync(process.env.LAKEGIT_TEST_ADDON_LOG, args[1] + '\\n');
  return dlopen.apply(this, args);
};
`;

/** Run the CLI with the hook; what it printed and the native addons it loaded. */
async function watched(repo: TempRepo, ...args: string[]): Promise<{ stdout: string; addons: string[] }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-addons-'));
  try {
    const hook = path.join(dir, 'hook.cjs');
    const log = path.join(dir, 'addons.log');
    await fsp.writeFile(hook, HOOK);
    const r = await repo.runEnv({ NODE_OPTIONS: `--require ${hook}`, LAKEGIT_TEST_ADDON_LOG: log }, ...args);
    if (r.exitCode !== 0) throw new Error(`lakegit ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`);
    const addons = (await fsp.readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    return { stdout: r.stdout, addons };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const duckdbIn = (addons: string[]) => addons.filter((a) => /duckdb/i.test(a));

/**
 * orders: load, edit (one row changed, one removed, one added), a side branch merged with --no-ff; a tag.
 * Built in-process (the ops the CLI runs, which record the counts): the verbs under test read it.
 */
async function history(): Promise<TempRepo> {
  const repo = await ordersRepo();
  const edited = editRow(editRow(ORDERS, '2', '2,102,25.00,paid,2024-01-04 10:00:00,true,first order'), '9', null);
  await repo.write('orders.csv', `${edited}99,101,1.00,new,2024-02-01 00:00:00,false,added\n`);
  await commit(repo, 'edit orders', true);
  const a = await api(repo);
  await a.checkout({ target: 'HEAD', create: 'side' });
  await repo.write('orders.csv', editRow(await repo.read('orders.csv'), '3', null));
  await commit(repo, 'drop 3', true);
  await a.checkout({ target: 'main' });
  await repo.write('orders.csv', editRow(await repo.read('orders.csv'), '4', '4,101,1.25,paid,2024-01-05 10:00:00,true,changed'));
  await commit(repo, 'change 4', true);
  expect((await a.merge({ source: 'side', noFf: true, message: 'merge side' })).status).toBe('merged');
  await a.createTag('v1');
  return repo;
}

/** One history for every test here: the last one only adds branches. */
let shared: Promise<TempRepo> | undefined;
const sharedHistory = (): Promise<TempRepo> => (shared ??= history());
afterAll(async () => {
  if (shared) await (await shared)[Symbol.asyncDispose]();
});

/**
 * `--where true` forces the comparison to read rows: the reference the recorded counts must equal.
 * In-process: what `diff a b --stat --where true --json` prints (the CLI's own JSON renderer), without
 * a process start per reference; the recorded counts under test are read through the CLI.
 */
async function computedStat(repo: TempRepo, a: string, b: string) {
  let text = '';
  const out = new Out(new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) }));
  await renderJson(await (await api(repo)).diff({ args: [a, b], where: 'true' }), out, 'stat');
  await out.flush();
  return JSON.parse(text).tables.map((t: any) => [t.table, t.stats]);
}

describe('counts recorded in commits: --stat without DuckDB', () => {
  it('diff A^ A --stat, diff A B --stat, show --stat, log --stat, status, branch, log and tag never load DuckDB', async () => {
    const repo = await sharedHistory();
    // The hook sees DuckDB when a verb reads rows, so an empty log below means something.
    expect(duckdbIn((await watched(repo, 'diff', 'HEAD~2', 'HEAD~1')).addons)).not.toEqual([]);
    for (const args of [
      ['diff', 'HEAD~1', 'HEAD', '--stat'],
      ['diff', 'HEAD~1', 'HEAD', '--stat', '--json'],
      ['diff', 'HEAD~2', 'HEAD~1', '--stat'],
      ['diff', 'HEAD~1', 'HEAD~2', '--stat'],
      ['diff', 'HEAD~1..HEAD', '--stat'],
      ['show', '--stat'],
      ['show', 'HEAD~2', '--stat', '--json'],
      ['log', '--stat'],
      ['log', '--stat', '--json'],
      ['status'],
      ['branch'],
      ['log'],
      ['log', '--oneline', '--all'],
      ['tag'],
    ]) {
      const { addons } = await watched(repo, ...args);
      expect(duckdbIn(addons), `lakegit ${args.join(' ')}`).toEqual([]);
    }
  });

  it('the recorded counts are the counts a full comparison gives, turned around for diff B A', async () => {
    const repo = await sharedHistory();
    for (const [a, b] of [
      ['HEAD~1', 'HEAD'],
      ['HEAD^2~1', 'HEAD^2'],
      ['HEAD~2', 'HEAD~1'],
      ['HEAD~1', 'HEAD~2'],
    ]) {
      const recorded = (await json(repo, 'diff', a, b, '--stat')).tables.map((t: any) => [t.table, t.stats]);
      expect(recorded, `${a} ${b}`).toEqual(await computedStat(repo, a, b));
    }
    const log = await json(repo, 'log', '--stat');
    for (const e of log) {
      const parent = e.parents[0];
      if (!parent) continue;
      const computed = await computedStat(repo, parent, e.commit);
      expect(e.changes.map((c: any) => [c.table, { added: c.added, removed: c.removed, modified: c.modified }])).toEqual(computed);
    }
    expect(log.find((e: any) => e.message === 'change 4').changes).toEqual([
      { table: 'orders', status: 'modified', schemaChanged: false, added: 0, removed: 0, modified: 1 },
    ]);
  });

  it('a commit without counts (an older lakegit) or with counts that are not its own is counted afresh', async () => {
    const repo = await sharedHistory();
    const git = (...args: string[]) => execFileText('git', ['--git-dir', '.lakegit', ...args], repo.dir).then((s) => s.trim());
    const expected = await json(repo, 'show', 'HEAD~1', '--stat');
    // HEAD~1 again, its tree without stats.json: as a commit written before counts were recorded.
    const listing = (await git('ls-tree', 'HEAD~1'))
      .split('\n')
      .filter((l) => !l.endsWith('\tstats.json'))
      .join('\n');
    const bare = await new Promise<string>((resolve, reject) => {
      const child = execFile('git', ['--git-dir', '.lakegit', 'mktree'], { cwd: repo.dir }, (e, out) =>
        e ? reject(e) : resolve(out.trim()),
      );
      child.stdin!.end(`${listing}\n`);
    });
    const old = await git('commit-tree', bare, '-p', 'HEAD~2', '-m', 'change 4 (old format)');
    // HEAD~1's whole tree, stats.json included, on another parent: its counts are not this commit's.
    const moved = await git('commit-tree', `HEAD~1^{tree}`, '-p', 'HEAD~3', '-m', 'moved');
    await git('update-ref', 'refs/heads/old', old);
    await git('update-ref', 'refs/heads/moved', moved);
    const fresh = await watched(repo, 'show', 'old', '--stat', '--json');
    expect(duckdbIn(fresh.addons)).not.toEqual([]);
    expect(JSON.parse(fresh.stdout).changes).toEqual(expected.changes);
    expect((await json(repo, 'diff', 'HEAD~2', 'old', '--stat')).tables.map((t: any) => [t.table, t.stats])).toEqual(
      await computedStat(repo, 'HEAD~2', 'old'),
    );
    const elsewhere = await json(repo, 'show', 'moved', '--stat');
    expect(elsewhere.changes.map((c: any) => [c.table, { added: c.added, removed: c.removed, modified: c.modified }])).toEqual(
      await computedStat(repo, 'HEAD~3', 'moved'),
    );
    expect(elsewhere.changes).not.toEqual(expected.changes);
  });
});
