// The in-process git config reader against git itself: `git config --file F --null --list` for the
// syntax, `git config --get-regexp` in a directory for which files are read and which value wins.
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGitConfig, type Entry } from '../../src/store/git-config-parse.js';
import { readGitConfig, readGitConfigInProcess, readWithGit } from '../../src/store/git-config.js';

const KEYS = ['user.name', 'user.email', 'core.editor', 'x.y'];

/** git's own listing of one file, in order; `undefined` where git refuses the file. */
function gitList(file: string): Entry[] | undefined {
  const r = spawnSync('git', ['config', '--file', file, '--null', '--list'], {
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' },
  });
  if (r.status !== 0) return undefined;
  return r.stdout
    .split('\0')
    .slice(0, -1)
    .map((e): Entry => {
      const nl = e.indexOf('\n');
      return nl < 0 ? [e, null] : [e.slice(0, nl), e.slice(nl + 1)];
    });
}

// ---- generators of config text: names in any case, values with every quoting rule git has ----
const anyCase = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((up) => [...word].map((ch, i) => (up[i] ? ch.toUpperCase() : ch)).join(''));
const blank = fc.constantFrom('', ' ', '\t', '  ', ' \t ');
const plainChar = fc.constantFrom('a', 'Z', '0', '.', '-', '_', '<', '>', '@', 'é', '名', '🙂', "'", '=', '[', ']', '/');
const word = fc.array(plainChar, { minLength: 1, maxLength: 6 }).map((a) => a.join(''));
const quotedChar = fc.oneof(plainChar, fc.constantFrom(' ', '\t', '#', ';', '\\"', '\\\\', '\\t', '\\n', '\\b'));
const valuePart = fc.oneof(
  word,
  fc.constantFrom(' ', '\t', '   ', '\\t', '\\n', '\\"', '\\\\', '\\b', '\\\n', '""'),
  fc.array(quotedChar, { maxLength: 6 }).map((a) => `"${a.join('')}"`),
);
const value = fc.array(valuePart, { maxLength: 6 }).map((a) => a.join(''));
const comment = fc.constantFrom('', ' # note', ' ;c', '\t# "quoted" \\ stuff');
const sectionName = fc.constantFrom('user', 'core', 'x', 'sec-1', 'include2').chain(anyCase);
const subChar = fc.constantFrom('a', 'B', ' ', '.', '\\"', '\\\\', 'é', '\\x');
const header = fc.oneof(
  sectionName.map((s) => `[${s}]`),
  fc.tuple(sectionName, fc.array(subChar, { maxLength: 4 })).map(([s, sub]) => `[${s} "${sub.join('')}"]`),
  fc.tuple(sectionName, anyCase('sub')).map(([s, sub]) => `[${s}.${sub}]`),
);
const keyName = fc.constantFrom('name', 'email', 'editor', 'y', 'key-2').chain(anyCase);
const assignment = fc
  .tuple(blank, keyName, blank, fc.boolean(), blank, value, comment)
  .map(([a, k, b, eq, c, v, note]) => (eq ? `${a}${k}${b}=${c}${v}${note}` : `${a}${k}${b}`));
const line = fc.oneof(
  { weight: 2, arbitrary: header },
  { weight: 5, arbitrary: assignment },
  { weight: 1, arbitrary: fc.tuple(header, assignment).map(([h, a]) => `${h} ${a.trimStart()}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '# comment', '; other', '   ', '\t[not a header] # still a comment'.replace('\t', '#')) },
);
/** Lines git may refuse: the reader must then defer to git rather than guess. */
const badLine = fc.constantFrom('= v', 'key_x = 1', '[sec', 'k = "open', 'k = \\q', '[a "b"c]', '1k = v', '[]', 'name ; c');
const configText = fc
  .tuple(
    fc.array(line, { maxLength: 14 }),
    fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), badLine) }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([lines, bad, crlf, bom]) => {
    if (bad) lines.splice(bad[0] % (lines.length + 1), 0, bad[1]);
    return `${bom ? '\ufeff' : ''}${lines.join(crlf ? '\r\n' : '\n')}${lines.length ? '\n' : ''}`;
  });

const userBlock = fc
  .tuple(
    anyCase('user'),
    fc.array(fc.tuple(fc.constantFrom('name', 'email').chain(anyCase), value, comment), { minLength: 1, maxLength: 3 }),
  )
  .map(([u, kv]) => `[${u}]\n${kv.map(([k, v, c]) => `\t${k} = ${v}${c}\n`).join('')}`);
/** Config text with, most of the time, a `[user]` section setting name and email in the middle. */
const withUsers = fc
  .tuple(configText, fc.option(userBlock, { freq: 3 }), configText)
  .map(([a, u, b]) => `${a}${u ?? ''}${b.replace(/^\ufeff/, '')}`);

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-gitconfig-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('git config syntax', () => {
  it('parses any file as `git config --file F --list` does, or refuses it where git does (property)', async () => {
    const file = path.join(dir, 'syntax');
    let refused = 0;
    let valued = 0;
    await fc.assert(
      fc.asyncProperty(withUsers, async (text) => {
        await fsp.writeFile(file, text);
        const git = gitList(file);
        const ours = parseGitConfig(await fsp.readFile(file));
        if (!git) refused++;
        else valued += git.filter(([, v]) => v !== null && v.length > 0).length;
        expect(ours).toEqual(git);
      }),
      { numRuns: 60, seed: 20261206 },
    );
    // The cases were not all refused, nor all empty.
    expect(refused).toBeGreaterThan(5);
    expect(valued).toBeGreaterThan(30);
  });

  it('reads the documented forms: quotes, escapes, continuation, comments, case', async () => {
    const text = [
      '[User]',
      '  NAME = "Ann  Lee" # who',
      '[user "Sub"] name = sub',
      '[core]',
      '\teditor = vim  -u \\',
      'NONE ; comment',
      '[x] y = a\\tb\\"c\\\\ "d;#e"',
      '[x] y',
      '',
    ].join('\n');
    const expected: Entry[] = [
      ['user.name', 'Ann  Lee'],
      ['user.Sub.name', 'sub'],
      ['core.editor', 'vim  -u NONE'],
      ['x.y', 'a\tb"c\\ d;#e'],
      ['x.y', null],
    ];
    expect(parseGitConfig(Buffer.from(text))).toEqual(expected);
    const file = path.join(dir, 'forms');
    await fsp.writeFile(file, text);
    expect(gitList(file)).toEqual(expected);
    expect(parseGitConfig(Buffer.from('[x]\n y = "open\n'))).toBeUndefined();
  });
});

describe('git config files and precedence', () => {
  /** A fresh world: HOME, XDG_CONFIG_HOME, a system file, a git repository with a subdirectory to run in. */
  async function world(n: number) {
    const root = path.join(dir, `w${n}`);
    const home = path.join(root, 'home');
    const xdg = path.join(root, 'xdg');
    const repo = path.join(root, 'repo');
    const cwd = path.join(repo, 'lake', 'sub');
    await fsp.mkdir(path.join(xdg, 'git'), { recursive: true });
    await fsp.mkdir(home, { recursive: true });
    await fsp.mkdir(cwd, { recursive: true });
    execFileSync('git', ['init', '-q', repo], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home } });
    return { root, home, xdg, repo, cwd };
  }
  const validText = withUsers.filter((t) => parseGitConfig(Buffer.from(t)) !== undefined);

  it('gives the value git gives: system, XDG, ~/.gitconfig, the repository, GIT_CONFIG_COUNT; later wins (property)', async () => {
    let set = 0;
    let deferred = 0;
    const w = await world(0);
    await fsp.mkdir(path.join(w.home, '.config', 'git'), { recursive: true });
    const gitConfig = await fsp.readFile(path.join(w.repo, '.git', 'config'), 'utf8');
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(validText, validText, validText, validText, validText),
        fc.record({ useXdgVar: fc.boolean(), globalVar: fc.boolean(), inRepo: fc.boolean(), noSystem: fc.boolean(), count: fc.boolean() }),
        async ([system, xdgText, homeText, repoText, globalText], o) => {
          await fsp.writeFile(path.join(w.root, 'system'), system);
          await fsp.writeFile(path.join(w.xdg, 'git', 'config'), o.useXdgVar ? xdgText : '[user]\n\tname = not read\n');
          await fsp.writeFile(path.join(w.home, '.config', 'git', 'config'), o.useXdgVar ? '[user]\n\tname = not read\n' : xdgText);
          await fsp.writeFile(path.join(w.home, '.gitconfig'), homeText);
          await fsp.writeFile(path.join(w.root, 'global'), globalText);
          // Appended after git's own lines: a byte order mark there would be a bad line (git refuses, the reader defers).
          await fsp.writeFile(path.join(w.repo, '.git', 'config'), gitConfig + repoText.replace(/^\ufeff/, ''));
          const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: w.home,
            GIT_CONFIG_SYSTEM: path.join(w.root, 'system'),
            ...(o.useXdgVar ? { XDG_CONFIG_HOME: w.xdg } : {}),
            ...(o.globalVar ? { GIT_CONFIG_GLOBAL: path.join(w.root, 'global') } : {}),
            ...(o.noSystem ? { GIT_CONFIG_NOSYSTEM: '1' } : {}),
            ...(o.count ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'User.Email', GIT_CONFIG_VALUE_0: ' from env ' } : {}),
          };
          const cwd = o.inRepo ? w.cwd : w.home;
          const ours = readGitConfigInProcess(KEYS, cwd, env);
          const git = readWithGit(KEYS, cwd, env);
          set += git.size;
          if (ours) expect(ours).toEqual(git);
          else deferred++;
          expect(readGitConfig(KEYS, cwd, env)).toEqual(git);
        },
      ),
      { numRuns: 30, seed: 20261207 },
    );
    expect(set).toBeGreaterThan(15);
    expect(deferred).toBeLessThan(6);
  });

  it('defers to git for includes and for a file git refuses, and then gives git answer', async () => {
    const w = await world(1);
    const env = { PATH: process.env.PATH, HOME: w.home, GIT_CONFIG_NOSYSTEM: '1' };
    await fsp.writeFile(path.join(w.root, 'inc'), '[user]\n\tname = Included\n');
    await fsp.writeFile(path.join(w.home, '.gitconfig'), `[user]\n\tname = Home\n[include]\n\tpath = ${path.join(w.root, 'inc')}\n`);
    expect(readGitConfigInProcess(KEYS, w.cwd, env)).toBeUndefined();
    expect(readGitConfig(KEYS, w.cwd, env).get('user.name')).toBe('Included');
    await fsp.writeFile(path.join(w.home, '.gitconfig'), '[user]\n\tname = Home\n');
    expect(readGitConfigInProcess(KEYS, w.cwd, env)?.get('user.name')).toBe('Home');
    await fsp.appendFile(path.join(w.repo, '.git', 'config'), '[user\n');
    expect(readGitConfigInProcess(KEYS, w.cwd, env)).toBeUndefined();
    expect(readGitConfig(KEYS, w.cwd, env).size).toBe(0); // git refuses the repository's config: nothing, as before
    expect(readGitConfigInProcess(KEYS, w.cwd, { ...env, GIT_DIR: path.join(w.repo, '.git') })).toBeUndefined();
  });
});
