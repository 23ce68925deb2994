import { describe, expect, it } from 'vitest';
import { colorFrom, helpAsFlag } from '../../src/cli/main.js';
import { ALL_COMMANDS } from '../../src/cli/verb.js';
import { api, commit, json, newRepo, ordersRepo, track } from './core-helpers.js';

describe('help', () => {
  it('every verb: a purpose, described options and positionals, examples; -h, --help and help <verb> agree', async () => {
    await using repo = await newRepo();
    expect(ALL_COMMANDS).toHaveLength(38);
    // One process per verb (the real CLI), six at a time.
    const verbs = [...ALL_COMMANDS, 'switch'];
    const helps: string[] = [];
    for (let i = 0; i < verbs.length; i += 6) helps.push(...(await Promise.all(verbs.slice(i, i + 6).map((v) => repo.ok(v, '--help')))));
    for (const [i, verb] of verbs.entries()) {
      const help = helps[i];
      const examples = help
        .slice(help.indexOf('Examples:'))
        .split('\n')
        .filter((l) => /^ {2}lakegit /.test(l));
      expect(examples.length, `${verb}: examples`).toBeGreaterThanOrEqual(1);
      // a purpose line under the usage line
      expect(help, verb).toMatch(/^lakegit [^\n]+\n\n[a-z'`][^\n]+\n/);
      // every option and positional line carries a description: no line is only a name and its type
      const bare = help.split('\n').filter((l) => /^ {2,6}(-\w, )?(--?)?[\w-]+\s+\[(string|boolean|number|array)\]/.test(l));
      expect(bare, `${verb}: options without a description`).toEqual([]);
      expect(help, verb).not.toContain('[default: []]');
      expect(help, verb).not.toMatch(/--color .*\n.*\[boolean\]/);
      expect(help, verb).toContain('[choices: "always", "never", "auto"]');
    }
    expect(await repo.ok('commit', '-h')).toContain('Examples:');
    expect(await repo.ok('help', 'log')).toBe(await repo.ok('log', '--help'));
    expect(await repo.ok('help', 'branch')).toBe(helps[verbs.indexOf('branch')]);
  }, 180_000);

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

  it('usage errors exit 2 and quote what was typed: counts, a missing value, add with nothing named', async () => {
    await using repo = await ordersRepo();
    const cases: [string[], string][] = [
      [['log', '-n', 'abc'], "lakegit: error: -n must be a whole number, not 'abc'\nhint: see 'lakegit log --help'\n"],
      [['log', '--max-count=1.5'], "lakegit: error: -n must be a whole number, not '1.5'\n"],
      [['reflog', '-n', 'x'], "lakegit: error: -n must be a whole number, not 'x'\n"],
      [['diff', '--limit', 'abc'], "lakegit: error: --limit must be a whole number, not 'abc'\n"],
      [['show', '--limit', '-1'], "lakegit: error: --limit must be a whole number, not '-1'\n"],
      [['cherry-pick', 'HEAD', '--mainline', '0'], "lakegit: error: --mainline must be a whole number ≥ 1, not '0'\n"],
      [['log', '-n'], 'lakegit: error: Not enough arguments following: n\n'],
      [['add'], 'lakegit: error: nothing specified, nothing added\n'],
      [['cherry-pick', '--abort'], "lakegit: error: no cherry-pick is in progress\nhint: start one with 'lakegit cherry-pick <rev>'\n"],
    ];
    const runs = await Promise.all(cases.map(([args]) => repo.run(...args)));
    for (const [i, [args, stderr]] of cases.entries()) {
      expect([runs[i].exitCode, runs[i].stderr.slice(0, stderr.length)], args.join(' ')).toEqual([2, stderr]);
    }
    expect(await repo.ok('log', '--oneline', '-n', '1')).toMatch(/^[0-9a-f]{7} load orders\n$/);
  });

  it('help as a verb, and --color=WHEN, FORCE_COLOR and NO_COLOR', () => {
    expect(helpAsFlag(['help', 'commit'])).toEqual(['commit', '--help']);
    expect(helpAsFlag(['-C', 'x', 'help'])).toEqual(['-C', 'x', '--help']);
    expect(colorFrom(['log', '--color=always'], { NO_COLOR: '1' }, false)).toEqual({ args: ['log'], color: true });
    expect(colorFrom(['log', '--color=never'], { FORCE_COLOR: '1' }, true).color).toBe(false);
    expect(colorFrom(['log', '--color=auto'], {}, true).color).toBe(true);
    expect(colorFrom(['log', '--no-color'], {}, true)).toEqual({ args: ['log'], color: false });
    // --color alone is always, as in git, and never takes the next word as its value
    expect(colorFrom(['diff', '--color', 'HEAD'], { NO_COLOR: '1' }, false)).toEqual({ args: ['diff', 'HEAD'], color: true });
    expect(colorFrom(['diff', '--color=bogus'], {}, false).args).toEqual(['diff', '--color=bogus']);
    expect(colorFrom(['diff', '--', '--color'], {}, false)).toEqual({ args: ['diff', '--', '--color'], color: false });
    expect(colorFrom(['log'], { FORCE_COLOR: '1' }, false).color).toBe(true);
    expect(colorFrom(['log'], { FORCE_COLOR: '0' }, true).color).toBe(false);
    expect(colorFrom(['log'], { NO_COLOR: '1' }, true).color).toBe(false);
    expect(colorFrom(['log'], {}, false).color).toBe(false);
  });

  it('colour can be forced into a pipe; --color alone is always; another --color=X is a usage error', async () => {
    await using repo = await ordersRepo();
    expect(await repo.ok('log', '--oneline', '--color=always')).toMatch(/\x1b\[33m[0-9a-f]{7}\x1b\[39m load orders/);
    expect(await repo.ok('log', '--color', '--oneline', 'HEAD')).toMatch(/\x1b\[33m[0-9a-f]{7}\x1b\[39m load orders/);
    const bogus = await repo.run('log', '--color=bogus');
    expect([bogus.exitCode, bogus.stderr]).toEqual([2, expect.stringContaining('Given: "bogus", Choices: "always", "never", "auto"')]);
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
    await (await api(repo)).createTag('v1', 'HEAD~1'); // set-up in-process: the JSON of tag --list is what is checked
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

  it('branch, tag, config, remote and reflog changes print JSON; merge --dry-run and add -A too', async () => {
    await using repo = await newRepo({ 't.csv': 'id,v\n1,a\n' });
    await track(repo, 't.csv', ['id']);
    const one = await commit(repo, 'one');
    const cmds: string[][] = [
      ['branch', 'f'],
      ['branch', '-m', 'f', 'g'],
      ['tag', 'v1', '-m', 'annotated'],
      ['tag', '-d', 'v1'],
      ['config', 'user.name', 'Bob'],
      ['config', 'user.name', '--unset'],
      ['remote', 'add', 'origin', '../nowhere.git'],
      ['remote', 'remove', 'origin'],
      ['branch', '-D', 'g'],
    ];
    const out = [];
    for (const c of cmds) out.push(await json(repo, ...c));
    expect(out).toEqual([
      { branch: 'f', commit: one },
      { from: 'f', to: 'g', commit: one },
      { tag: 'v1', commit: one },
      { deleted: 'v1', commit: one },
      { key: 'user.name', value: 'Bob' },
      { key: 'user.name', value: null },
      expect.objectContaining({ name: 'origin', url: expect.stringContaining('nowhere.git') }),
      { name: 'origin', removed: true },
      { deleted: 'g', commit: one },
    ]);
    expect(await repo.ok('tag', 'v2')).toBe('');
    expect(await repo.ok('tag', '-d', 'v2')).toBe(`Deleted tag 'v2' (was ${one.slice(0, 7)})\n`);
    const reflog = await json(repo, 'reflog', '-n', '1');
    expect(reflog).toEqual([expect.objectContaining({ selector: 'HEAD@{0}', commit: one, previous: null })]);
    // main: one → two (set up through the API but for `add -A`); side: one → three; merge side --dry-run.
    await (await api(repo)).createBranch('side');
    await repo.write('t.csv', 'id,v\n1,b\n');
    expect(await json(repo, 'add', '-A')).toEqual({ staged: ['t'], unchanged: [], removed: [] });
    const two = await commit(repo, 'two');
    await (await api(repo)).checkout({ target: 'side' });
    await repo.write('t.csv', 'id,v\n1,a\n2,c\n');
    const three = await commit(repo, 'three', true);
    await (await api(repo)).checkout({ target: 'main' });
    const dry = await json(repo, 'merge', 'side', '--dry-run');
    expect(dry).toMatchObject({ kind: 'merge', status: 'dry-run', source: 'side', theirs: three, head: two, conflicts: [] });
    expect(dry.tables).toEqual([{ table: 't', status: 'modified', conflicts: 0, counts: { added: 1, modified: 0, removed: 0 } }]);
    expect(await repo.read('t.csv')).toBe('id,v\n1,b\n');
  }, 120_000);

  it('commit prints per-table row counts; --amend replaces HEAD, keeping its message unless -m', async () => {
    await using repo = await newRepo({ t: '' });
    await repo.write('t.csv', 'id,v\n1,a\n2,b\n');
    await track(repo, 't.csv', ['id']);
    await commit(repo, 'one');
    await repo.write('t.csv', 'id,v\n1,A\n3,c\n');
    expect(await repo.ok('commit', '-am', 'two')).toMatch(/^\[main [0-9a-f]{7}\] two\n 1 table\(s\) changed\n t \+1 ~1 -1\n$/);
    // The history around the amends is read in-process (`log`; its JSON has its own tests).
    const history = async () => (await api(repo)).log();
    const before = await history();
    await repo.write('t.csv', 'id,v\n1,A\n3,C\n');
    await (await api(repo)).add({ paths: ['t.csv'], cwd: repo.dir });
    const amended = await json(repo, 'commit', '--amend');
    const after = await history();
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ message: 'two', parents: [before[1].commit] });
    expect(amended.changes).toEqual([{ table: 't', status: 'modified', schemaChanged: false, added: 1, modified: 1, removed: 1 }]);
    expect(await repo.ok('commit', '--amend', '-m', 'two, fixed', '-q')).toBe('');
    expect((await history())[0].message).toBe('two, fixed');
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
    await (await api(repo)).addRemote('origin', repo.path('remote.git'), { cwd: repo.dir }); // set-up in-process
    const pushed = await json(repo, 'push', '-u', 'origin', 'main');
    expect(JSON.stringify(pushed)).toContain('main');
    const cloned = await json(repo, 'clone', repo.path('remote.git'), 'copy');
    expect(JSON.stringify(cloned)).toContain('copy');
    expect(await json(repo, '-C', 'copy', 'fetch')).toBeTypeOf('object');
    expect(await json(repo, '-C', 'copy', 'pull')).toMatchObject({ fetch: { remote: 'origin', updated: [] }, merge: { branch: 'main' } });
  });
});
