import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileText, runCli, tempRepo } from '../helpers.js';
import { json } from './core-helpers.js';

describe('init', () => {
  it('init: creates a git repository in .lakegit on branch main, with a chunk store', async () => {
    await using repo = await tempRepo({}, false);
    const out = await repo.ok('init');
    expect(out).toContain(`Initialized empty lakegit repository in ${path.join(repo.dir, '.lakegit')}`);
    expect(await repo.exists('.lakegit/chunks')).toBe(true);
    const head = await execFileText('git', ['--git-dir', '.lakegit', 'symbolic-ref', 'HEAD'], repo.dir);
    expect(head.trim()).toBe('refs/heads/main');
    const st = await json(repo, 'status');
    expect(st).toMatchObject({ branch: 'main', head: null, state: 'clean', tables: [], untracked: [] });
  });

  it('init: -b names the first branch and [dir] is created', async () => {
    await using repo = await tempRepo({}, false);
    await repo.ok('init', 'lake', '-b', 'dev');
    const r = await runCli(repo.path('lake'), ['status']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('On branch dev');
    expect(r.stdout).toContain('No commits yet');
  });

  it('init: a second init reinitialises and keeps the history', async () => {
    await using repo = await tempRepo({ 't.csv': 'id\n1\n' });
    await repo.ok('add', 't.csv', '--key', 'id');
    await repo.ok('commit', '-m', 'one');
    expect(await repo.ok('init')).toContain('Reinitialized existing');
    expect(await repo.ok('log', '--oneline')).toContain('one');
  });

  it('init: an invalid branch name is exit 2 and creates nothing', async () => {
    await using repo = await tempRepo({}, false);
    const r = await repo.run('init', '-b', 'bad..name');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("'bad..name' is not a valid branch name");
    expect(await repo.exists('.lakegit')).toBe(false);
  });

  it('init: commands outside a repository are exit 2 and name the directory', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-norepo-'));
    try {
      const r = await runCli(dir, ['status']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`not a lakegit repository: ${dir}`);
      expect(r.stderr).toContain("hint: run 'lakegit init'");
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('init: -C runs as if started in that directory, and subdirectories find the repository', async () => {
    await using repo = await tempRepo({ 'sub/x.csv': 'id\n1\n' });
    const r = await runCli(repo.path('sub'), ['status', '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).untracked).toEqual(['sub/x.csv']);
    const c = await runCli(os.tmpdir(), ['-C', repo.dir, 'status', '--json']);
    expect(JSON.parse(c.stdout).untracked).toEqual(['sub/x.csv']);
  });
});
