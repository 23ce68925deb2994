import { describe, expect, it } from 'vitest';
import { execFileText } from '../helpers.js';
import { api, commit, editRow, expectRefusedUnchanged, json, ORDERS, ordersRepo, statusJson, statusText } from './core-helpers.js';

// Where reset is the verb under test, the history and status it left are read in-process (what `log` and `status` would print).

const V2 = editRow(ORDERS, '5', '5,104,15.00,paid,2024-01-07 08:00:00,true,');

/** C1 load orders → C2 orders row 5 paid. */
async function twoCommits() {
  const repo = await ordersRepo();
  await repo.write('orders.csv', V2);
  await commit(repo, 'pay 5', true);
  return repo;
}

describe('tag', () => {
  it('tag: a lightweight tag names a commit for log, show and table@rev', async () => {
    await using repo = await twoCommits();
    await repo.ok('tag', 'v1', 'HEAD~1');
    expect(await repo.ok('tag')).toBe('v1\n');
    expect((await json(repo, 'log', 'v1')).map((e: any) => e.message)).toEqual(['load orders']);
    expect(await repo.ok('files', 'orders@v1', '--relative')).toMatch(/^\.lakegit\/chunks\/[0-9a-f]{64}\.parquet\n$/);
    const git = await execFileText('git', ['--git-dir', '.lakegit', 'cat-file', '-t', 'refs/tags/v1'], repo.dir);
    expect(git.trim()).toBe('commit');
  });

  it('tag: -m makes an annotated tag that git sees and revisions peel', async () => {
    await using repo = await twoCommits();
    await repo.ok('tag', 'release', '-m', 'first release');
    const git = await execFileText('git', ['--git-dir', '.lakegit', 'cat-file', '-p', 'refs/tags/release'], repo.dir);
    expect(git).toMatch(
      /^object [0-9a-f]{40}\ntype commit\ntag release\ntagger Ann Analyst <ann@example\.com> \d+ \+0000\n\nfirst release\n$/,
    );
    expect((await json(repo, 'show', 'release')).message).toBe('pay 5');
    await repo.ok('checkout', 'release');
    expect((await statusJson(repo)).head).toBe((await (await api(repo)).log())[0].commit); // in-process: where checkout of a tag left HEAD
  });

  it('tag: -d deletes; duplicates, unknown tags and bad names are exit 2', async () => {
    await using repo = await twoCommits();
    await (await api(repo)).createTag('v1');
    expect((await expectRefusedUnchanged(repo, 2, 'tag', 'v1')).stderr).toContain("a tag named 'v1' already exists");
    expect((await expectRefusedUnchanged(repo, 2, 'tag', '-d', 'v9')).stderr).toContain("no tag named 'v9'");
    expect((await expectRefusedUnchanged(repo, 2, 'tag', 'a b')).stderr).toContain("'a b' is not a valid tag name");
    await repo.ok('tag', '-d', 'v1');
    expect(await repo.ok('tag', '--list')).toBe('');
  });
});

describe('reset', () => {
  it('reset: --soft moves the branch and keeps the index and the files', async () => {
    await using repo = await twoCommits();
    expect(await repo.ok('reset', '--soft', 'HEAD~1')).toMatch(/^HEAD is now at [0-9a-f]{7}\n$/);
    expect((await (await api(repo)).log()).map((e) => e.message)).toEqual(['load orders']);
    const t = (await statusJson(repo)).tables[0];
    expect(t.staged).toEqual({ added: 0, removed: 0, modified: 1 });
    expect(t.unstaged).toEqual({ added: 0, removed: 0, modified: 0 });
    expect(await repo.read('orders.csv')).toBe(V2);
  });

  it('reset: --mixed (the default) also resets the index but keeps the files', async () => {
    await using repo = await twoCommits();
    await repo.ok('reset', 'HEAD~1');
    const t = (await statusJson(repo)).tables[0];
    expect(t.staged).toEqual({ added: 0, removed: 0, modified: 0 });
    expect(t.unstaged).toEqual({ added: 0, removed: 0, modified: 1 });
    expect(await repo.read('orders.csv')).toBe(V2);
  });

  it('reset: --hard also restores the working files', async () => {
    await using repo = await twoCommits();
    await repo.ok('reset', '--hard', 'HEAD~1');
    expect(await repo.read('orders.csv')).toContain('\n5,104,15.00,cancelled,');
    expect(await statusText(repo)).toBe('On branch main\nnothing to commit, working tree clean\n');
  });

  it('reset: --hard with no revision discards uncommitted changes', async () => {
    await using repo = await twoCommits();
    await repo.write('orders.csv', ORDERS.replace('\n11,107,', '\n11,108,'));
    await repo.ok('reset', '--hard');
    expect(await repo.read('orders.csv')).toContain('\n11,107,');
    expect(await statusText(repo)).toBe('On branch main\nnothing to commit, working tree clean\n');
  });

  it('reset: an unknown revision is exit 2 and changes nothing', async () => {
    await using repo = await twoCommits();
    expect((await expectRefusedUnchanged(repo, 2, 'reset', '--hard', 'HEAD~5')).stderr).toContain("unknown revision 'HEAD~5'");
    expect((await expectRefusedUnchanged(repo, 2, 'reset', '--soft', '--hard', 'HEAD')).exitCode).toBe(2);
  });
});
