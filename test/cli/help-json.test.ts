import { describe, expect, it } from 'vitest';
import { colorFrom, helpAsFlag } from '../../src/cli/main.js';
import { commit, json, newRepo, ordersRepo, track } from './core-helpers.js';

const VERBS = [
  'init',
  'add',
  'rm',
  'mv',
  'status',
  'commit',
  'log',
  'show',
  'branch',
  'checkout',
  'tag',
  'reset',
  'files',
  'export',
  'fsck',
  'gc',
  'config',
  'diff',
  'merge',
  'conflicts',
  'resolve',
  'revert',
  'cherry-pick',
  'blame',
  'check',
  'protect',
  'unprotect',
  'sql',
];

describe('help', () => {
  it('every verb: a purpose, described options, examples; -h, --help and help <verb> agree', async () => {
    await using repo = await newRepo();
    for (const verb of VERBS) {
      const help = await repo.ok(verb, '--help');
      expect(help, verb).toContain('Examples:');
      expect(help, verb).toMatch(new RegExp(`lakegit ${verb}\\b[^\\n]*\\n`));
      // every option line carries a description: no line is only a flag and its type
      const bare = help.split('\n').filter((l) => /^\s+(-\w, )?--?[\w-]+\s+\[(string|boolean|number|array)\]/.test(l));
      expect(bare, `${verb}: options without a description`).toEqual([]);
      expect(help).not.toContain('[default: []]');
    }
    expect(await repo.ok('commit', '-h')).toContain('Examples:');
    expect(await repo.ok('help', 'log')).toBe(await repo.ok('log', '--help'));
  });

  it('a bare lakegit prints the commands (exit 2); a typo suggests the verb', async () => {
    await using repo = await newRepo();
    const bare = await repo.run();
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain('lakegit commit');
    expect(bare.stderr).toContain('lakegit: error: name a command');
    const typo = await repo.run('comit', '-m', 'x');
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toBe("lakegit: error: 'comit' is not a lakegit command\nhint: did you mean 'commit'?\n");
  });

  it('help as a verb, and --color=WHEN, FORCE_COLOR and NO_COLOR', () => {
    expect(helpAsFlag(['help', 'commit'])).toEqual(['commit', '--help']);
    expect(helpAsFlag(['-C', 'x', 'help'])).toEqual(['-C', 'x', '--help']);
    expect(colorFrom(['log', '--color=always'], { NO_COLOR: '1' }, false)).toEqual({ args: ['log'], color: true });
    expect(colorFrom(['log', '--color=never'], { FORCE_COLOR: '1' }, true).color).toBe(false);
    expect(colorFrom(['log', '--color=auto'], {}, true).color).toBe(true);
    expect(colorFrom(['log', '--no-color'], {}, true)).toEqual({ args: ['log', '--no-color'], color: false });
    expect(colorFrom(['log'], { FORCE_COLOR: '1' }, false).color).toBe(true);
    expect(colorFrom(['log'], { FORCE_COLOR: '0' }, true).color).toBe(false);
    expect(colorFrom(['log'], { NO_COLOR: '1' }, true).color).toBe(false);
    expect(colorFrom(['log'], {}, false).color).toBe(false);
  });

  it('colour can be forced into a pipe', async () => {
    await using repo = await ordersRepo();
    expect(await repo.ok('log', '--oneline', '--color=always')).toMatch(/\x1b\[33m[0-9a-f]{7}\x1b\[39m load orders/);
    expect((await repo.runEnv({ FORCE_COLOR: '1', NO_COLOR: '' }, 'log', '--oneline')).stdout).toContain('\x1b[');
    expect(await repo.ok('log', '--oneline')).not.toContain('\x1b[');
  });
});

describe('JSON from every verb that reports something', () => {
  it('add, commit, tag, checkout, reset, gc, config, export, mv and rm print JSON', async () => {
    await using repo = await newRepo({ 't.csv': 'id,v\n1,a\n2,b\n' });
    expect(await json(repo, 'add', 't.csv', '--key', 'id')).toEqual({ staged: ['t'], unchanged: [], removed: [] });
    const c1 = await json(repo, 'commit', '-m', 'one');
    expect(c1).toMatchObject({ branch: 'main', parents: [], tables: ['t'], changes: [{ table: 't', status: 'added', added: 2 }] });
    expect(c1.oid).toMatch(/^[0-9a-f]{40}$/);
    await repo.write('t.csv', 'id,v\n1,A\n3,c\n');
    const c2 = await json(repo, 'commit', '-am', 'two');
    expect(c2.changes).toEqual([{ table: 't', status: 'modified', schemaChanged: false, added: 1, modified: 1, removed: 1 }]);
    await repo.ok('tag', 'v1', 'HEAD~1');
    expect(await json(repo, 'tag', '--list')).toEqual(['v1']);
    expect(await json(repo, 'checkout', '-b', 'f', 'v1')).toMatchObject({ branch: 'f', oid: c1.oid, created: true, written: ['t'] });
    expect(await json(repo, 'reset', '--hard', c2.oid)).toEqual({ head: c2.oid, mode: 'hard' });
    expect(await json(repo, 'gc')).toMatchObject({ removed: expect.any(Number), kept: expect.any(Number) });
    const unset = await repo.run('config', 'user.name', '--json');
    expect([unset.exitCode, JSON.parse(unset.stdout)]).toEqual([1, { key: 'user.name', value: null }]);
    expect(await json(repo, 'export', 't', 'out.csv')).toMatchObject({ rows: 2 });
    expect(await json(repo, 'mv', 't', 'u')).toEqual({ from: 't', to: 'u' });
    expect(await json(repo, 'rm', 'u', '--cached')).toEqual({ removed: 'u', cached: true });
  });

  it('commit prints per-table row counts; --amend replaces HEAD, keeping its message unless -m', async () => {
    await using repo = await newRepo({ t: '' });
    await repo.write('t.csv', 'id,v\n1,a\n2,b\n');
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'one');
    await repo.write('t.csv', 'id,v\n1,A\n3,c\n');
    expect(await repo.ok('commit', '-am', 'two')).toMatch(/^\[main [0-9a-f]{7}\] two\n 1 table\(s\) changed\n t \+1 ~1 -1\n$/);
    const before = await json(repo, 'log');
    await repo.write('t.csv', 'id,v\n1,A\n3,C\n');
    await repo.ok('add', 't.csv');
    const amended = await json(repo, 'commit', '--amend');
    const after = await json(repo, 'log');
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ message: 'two', parents: [before[1].commit] });
    expect(amended.changes).toEqual([{ table: 't', status: 'modified', schemaChanged: false, added: 1, modified: 1, removed: 1 }]);
    expect(await repo.ok('commit', '--amend', '-m', 'two, fixed', '-q')).toBe('');
    expect((await json(repo, 'log'))[0].message).toBe('two, fixed');
    expect((await repo.run('commit')).stderr).toContain("pass -m '<message>'");
  });

  it('init, protect and the remote verbs print JSON: init --bare, push, clone, fetch, pull', async () => {
    await using repo = await newRepo({ 't.csv': 'id,v\n1,a\n' });
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'one');
    expect(await json(repo, 'protect', 'main')).toEqual({ branch: 'main', protected: true, changed: true });
    expect(await json(repo, 'unprotect', 'main')).toEqual({ branch: 'main', protected: false, changed: true });
    const fresh = await json(repo, 'init', 'sub');
    expect(fresh).toMatchObject({ created: true, gitDir: expect.stringMatching(/sub[/\\]\.lakegit$/) });
    expect(await json(repo, 'init', '--bare', 'remote.git')).toMatchObject({ created: true });
    await repo.ok('remote', 'add', 'origin', repo.path('remote.git'));
    const pushed = await json(repo, 'push', '-u', 'origin', 'main');
    expect(JSON.stringify(pushed)).toContain('main');
    const cloned = await json(repo, 'clone', repo.path('remote.git'), 'copy');
    expect(JSON.stringify(cloned)).toContain('copy');
    expect(await json(repo, '-C', 'copy', 'fetch')).toBeTypeOf('object');
    expect(await json(repo, '-C', 'copy', 'pull')).toMatchObject({ fetch: { remote: 'origin', updated: [] }, merge: { branch: 'main' } });
  });
});
