import { describe, expect, it } from 'vitest';
import { api, commit, json, logJson, newRepo, statusJson, statusText, track } from './core-helpers.js';

// Set-up (add, checkout, branch) and read-backs (status, log) in-process; the verbs each test is about run the CLI.

async function oneTable() {
  const repo = await newRepo({ 't.csv': 'id,a\n1,x\n2,y\n' });
  await track(repo, 't.csv', ['id']);
  await commit(repo, 'one');
  return repo;
}

describe('everyday verbs', () => {
  it('restore discards working changes; --staged unstages; --source takes another revision', async () => {
    await using repo = await oneTable();
    await repo.write('t.csv', 'id,a\n1,x\n2,Y\n');
    await commit(repo, 'two', true);
    await repo.write('t.csv', 'id,a\n1,changed\n');
    expect(await json(repo, 'restore', 't')).toEqual({ written: ['t'], unstaged: [] });
    expect(await repo.read('t.csv')).toBe('id,a\n1,x\n2,Y\n');
    expect(await statusText(repo)).toContain('nothing to commit, working tree clean');
    await repo.write('t.csv', 'id,a\n1,x\n');
    await track(repo, 't.csv', ['id']);
    expect(await json(repo, 'restore', '--staged', 't')).toEqual({ written: [], unstaged: ['t'] });
    expect(await repo.read('t.csv')).toBe('id,a\n1,x\n');
    expect((await statusJson(repo)).tables[0]).toMatchObject({
      staged: { added: 0, removed: 0, modified: 0 },
      unstaged: { removed: 1 },
    });
    await repo.ok('restore', 't', '--source', 'HEAD~1');
    expect(await repo.read('t.csv')).toBe('id,a\n1,x\n2,y\n');
    const bad = await repo.run('restore', 'nosuch');
    expect([bad.exitCode, bad.stderr]).toEqual([2, expect.stringMatching(/^lakegit: error: .*nosuch/)]);
  });

  it('stash sets changes aside and pop applies them three-way onto a moved HEAD', async () => {
    await using repo = await oneTable();
    await repo.write('t.csv', 'id,a\n1,X\n2,y\n');
    expect(await json(repo, 'stash')).toMatchObject({ tables: ['t'], stash: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(await repo.read('t.csv')).toBe('id,a\n1,x\n2,y\n');
    expect(await repo.ok('stash', 'list')).toMatch(/^stash@\{0\} [0-9a-f]{7} WIP on main: [0-9a-f]{7} one\n$/);
    expect(await repo.ok('stash')).toBe('No local changes to save\n');
    await repo.write('t.csv', 'id,a\n1,x\n2,Z\n');
    await commit(repo, 'two', true);
    await repo.ok('gc');
    const pop = await json(repo, 'stash', 'pop');
    expect(pop).toMatchObject({ status: 'applied', dropped: true, conflicts: [] });
    expect(await repo.read('t.csv')).toBe('id,a\n1,X\n2,Z\n');
    expect(await json(repo, 'stash', 'list')).toEqual([]);
    const none = await repo.run('stash', 'pop');
    expect([none.exitCode, none.stderr]).toEqual([2, expect.stringContaining('no stash entries')]);
  });

  it('merge --squash stages the merged rows; the commit has one parent', async () => {
    await using repo = await oneTable();
    await (await api(repo)).checkout({ target: 'HEAD', create: 'f' }); // set-up in-process
    await repo.write('t.csv', 'id,a\n1,x\n2,y\n3,z\n');
    await commit(repo, 'f1', true);
    await repo.write('t.csv', 'id,a\n1,x\n2,Y\n3,z\n');
    await commit(repo, 'f2', true);
    await (await api(repo)).checkout({ target: 'main' });
    expect(await json(repo, 'merge', 'f', '--squash')).toMatchObject({ status: 'applied' });
    expect(await repo.read('t.csv')).toBe('id,a\n1,x\n2,Y\n3,z\n');
    await repo.ok('commit', '-qm', 'squashed f');
    const [head] = await logJson(repo, { n: 1 });
    expect(head.parents).toHaveLength(1);
    expect(await repo.ok('diff', 'HEAD~1', 'HEAD', '--stat')).toContain('t');
  });

  it('a revision with a slash can be quoted in table@rev', async () => {
    await using repo = await oneTable();
    await (await api(repo)).createBranch('t/b'); // set-up in-process
    expect(await repo.ok('files', 't@"t/b"', '--relative')).toBe(await repo.ok('files', 't@t/b', '--relative'));
    expect(await repo.ok('sql', 'select count(*) as n from t@"t/b"', '--format', 'csv')).toBe('n\n2\n');
  });

  it('lakegit.yaml is configuration: its own status section, named in the commit summary, check --worktree runs it', async () => {
    await using repo = await oneTable();
    await repo.write('lakegit.yaml', 'checks:\n  t:\n    accepted_values: { a: [x] }\n');
    const status = await repo.ok('status');
    expect(status).toContain(
      "Untracked configuration:\n  (use 'lakegit add lakegit.yaml' to version the checks with the tables)\n\tlakegit.yaml",
    );
    expect(status).not.toContain('Untracked data files');
    const none = await repo.run('check');
    expect([none.exitCode, none.stdout]).toEqual([0, expect.stringContaining('no checks or hooks apply')]);
    expect(none.stderr).toContain("'lakegit check --worktree' runs it");
    const tried = await repo.run('check', '--worktree');
    expect([tried.exitCode, tried.stdout]).toEqual([1, expect.stringContaining('lakegit.yaml in the working tree')]);
    await repo.ok('add', 'lakegit.yaml');
    expect(await repo.ok('commit', '-m', 'checks', '--no-verify')).toMatch(
      /^\[main [0-9a-f]{7}\] checks\n lakegit.yaml \(checks\) changed\n$/,
    );
    // HEAD now has checks; an edited working copy is still mentioned, and --worktree runs it
    await repo.write('lakegit.yaml', 'checks:\n  t:\n    not_null: [a]\n');
    const edited = await repo.run('check');
    expect([edited.exitCode, edited.stdout]).toEqual([1, expect.stringContaining('accepted_values(a)')]);
    expect(edited.stderr).toBe("hint: lakegit.yaml in the working tree differs from the one checked; 'lakegit check --worktree' runs it\n");
    const worktree = await repo.run('check', '--worktree');
    expect([worktree.exitCode, worktree.stdout, worktree.stderr]).toEqual([0, expect.stringContaining('not_null(a)'), '']);
  });
});
