import { afterAll, describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import type { TempRepo } from '../helpers.js';
import { newRepo } from './core-helpers.js';
import { commitMade } from '../helpers.js';

/*
 * Whole-table row blame down one line of commits (src/ops/blame/whole-line.ts) and the changed keys
 * of a commit whose change set is not one exact change chunk (line-keys.ts): each side's version of
 * a key is its newest change row. Histories are built in-process; blame runs the real CLI.
 */

const ANN = 'Ann <ann@x.io>';

async function commitAs(repo: TempRepo, message: string, text: string): Promise<string> {
  await repo.write('orders.csv', text);
  return commitMade(await (await Repo.open(repo.dir)).commit({ message, all: true, author: ANN })).oid;
}

const blameIds = async (repo: TempRepo, ...args: string[]): Promise<Record<string, string>> => {
  const rows = JSON.parse(await repo.ok('blame', ...args, '--json')).rows as { key: { id: number }; commit: string }[];
  return Object.fromEntries(rows.map((r) => [String(r.key.id), r.commit]));
};

afterAll(() => Repo.close());

describe('blame: a whole line of commits', () => {
  it('a column changed twice is blamed on the second change (the newest change row of each side counts), with and without --where', async () => {
    const repo = await newRepo({ 'orders.csv': 'id,a,b\n1,x,y\n2,x,y\n3,x,y\n' });
    const api = await Repo.open(repo.dir);
    await api.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
    const load = commitMade(await api.commit({ message: 'load', author: ANN })).oid;
    const first = await commitAs(repo, 'a of 1', 'id,a,b\n1,p,y\n2,x,y\n3,x,y\n');
    const second = await commitAs(repo, 'a of 1 again', 'id,a,b\n1,q,y\n2,x,y\n3,x,y\n');
    const third = await commitAs(repo, 'b of 1, a of 2', 'id,a,b\n1,q,z\n2,r,y\n3,x,y\n');
    // --columns a: the commits' change chunks are not trusted as the diff of a (they name b's changes too).
    expect(await blameIds(repo, 'orders@HEAD', '--columns', 'a')).toEqual({ 1: second, 2: third, 3: load });
    expect(await blameIds(repo, 'orders@HEAD')).toEqual({ 1: third, 2: third, 3: load });
    expect(await blameIds(repo, 'orders@HEAD', '--columns', 'a', '--where', 'id = 1')).toEqual({ 1: second });
    expect(await blameIds(repo, 'orders@HEAD~1', '--columns', 'b')).toEqual({ 1: load, 2: load, 3: load });
    expect(first).not.toEqual(second);
  }, 120_000);
});
