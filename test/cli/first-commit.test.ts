import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileText, tempRepo, type TempRepo } from '../helpers.js';
import { commit, lakegitState, ORDERS, newRepo, track } from './core-helpers.js';

/*
 * Issue 15, first import: `add` and `commit` take their options from data (src/cli/spec.ts), so they
 * run without loading yargs, and `commit` after `add` reads no row, so it never loads DuckDB. A line
 * ending in `--` makes the quick parser give up: yargs then parses it, as before this change.
 */

const HOOK = `const fs = require('node:fs');
const dlopen = process.dlopen;
process.dlopen = function (...args) {
  fs.appendFileSync(process.env.LAKEGIT_TEST_ADDON_LOG, args[1] + '\\n');
  return dlopen.apply(this, args);
};
`;

/** Run the CLI, exit 0 required; the native addons it opened and whether it loaded yargs. */
async function watched(repo: TempRepo, ...args: string[]): Promise<{ addons: string[]; yargs: boolean }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-addons-'));
  try {
    const hook = path.join(dir, 'hook.cjs');
    const log = path.join(dir, 'addons.log');
    await fsp.writeFile(hook, HOOK);
    const r = await repo.runEnv({ NODE_OPTIONS: `--require ${hook}`, LAKEGIT_TEST_ADDON_LOG: log, NODE_DEBUG: 'esm,module' }, ...args);
    if (r.exitCode !== 0) throw new Error(`lakegit ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`);
    const addons = (await fsp.readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    // Unbundled, node's ES module loader names yargs' files; in the bundle (scripts/bundle-cli.mjs) yargs'
    // platform shim, run when yargs is first imported, resolves yargs/package.json to find its locales.
    return { addons, yargs: /node_modules\/yargs\/|"yargs\/package\.json"/.test(r.stderr) };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const duckdbIn = (addons: string[]) => addons.filter((a) => /duckdb/i.test(a));
const head = (repo: TempRepo) => execFileText('git', ['--git-dir', '.lakegit', 'rev-parse', 'HEAD'], repo.dir).then((s) => s.trim());

describe('first add + commit without yargs, and a commit without DuckDB', () => {
  it('writes the same chunks, manifest and commit as the yargs path and the API; commit loads neither DuckDB nor yargs', async () => {
    await using quick = await tempRepo({ 'orders.csv': ORDERS });
    await using slow = await tempRepo({ 'orders.csv': ORDERS });
    await using viaApi = await newRepo({ 'orders.csv': ORDERS });

    const added = await watched(quick, 'add', 'orders.csv', '--key', 'id');
    expect(added.yargs).toBe(false);
    // The hook sees DuckDB when a verb reads rows, so the empty list for commit below means something.
    expect(duckdbIn(added.addons)).not.toEqual([]);
    expect((await watched(slow, 'add', 'orders.csv', '--key', 'id', '--')).yargs).toBe(true);
    await track(viaApi, 'orders.csv', ['id']);

    const committed = await watched(quick, 'commit', '-m', 'load orders');
    expect(duckdbIn(committed.addons)).toEqual([]);
    expect(committed.yargs).toBe(false);
    expect((await watched(slow, 'commit', '-m', 'load orders', '--')).yargs).toBe(true);
    await commit(viaApi, 'load orders');

    // Same author and date (TEST_ENV) and the same tree: the same commit id, and the same bytes in .lakegit.
    const oid = await head(quick);
    expect(await head(slow)).toBe(oid);
    expect(await head(viaApi)).toBe(oid);
    const chunks = (state: Record<string, string>) => Object.fromEntries(Object.entries(state).filter(([f]) => f.startsWith('chunks/')));
    const state = await lakegitState(quick);
    expect(Object.keys(chunks(state)).length).toBeGreaterThan(0);
    expect(chunks(await lakegitState(slow))).toEqual(chunks(state));
    expect(chunks(await lakegitState(viaApi))).toEqual(chunks(state));
    expect(await quick.ok('fsck')).toBeDefined();
  });

  it('commit --no-verify and -am read as yargs reads them', async () => {
    await using repo = await tempRepo({ 'orders.csv': ORDERS });
    await repo.ok('add', 'orders.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'load orders', '--no-verify');
    await repo.write('orders.csv', `${ORDERS}99,101,1.00,new,2024-02-01 00:00:00,false,added\n`);
    expect(await repo.ok('commit', '-am', 'one more row')).toContain('orders +1');
    expect(await repo.ok('log', '--oneline')).toMatch(/one more row[\s\S]*load orders/);
  });
});
