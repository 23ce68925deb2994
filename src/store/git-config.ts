import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseGitConfig, type Entry } from './git-config-parse.js';

/**
 * The values `git config --get-regexp` prints for a few keys, read in-process: spawning git costs
 * tens of milliseconds, a visible share of a small `revert` or `commit`. The files are read as git
 * reads them for `git config` run in `cwd`: the system file (unless GIT_CONFIG_NOSYSTEM), the
 * global ones ($XDG_CONFIG_HOME/git/config then ~/.gitconfig, or GIT_CONFIG_GLOBAL alone), the
 * config of the git repository around `cwd`, then GIT_CONFIG_COUNT's pairs; a later value wins.
 * Whatever this reader does not model exactly (includes, GIT_DIR and the other discovery
 * variables, `git -c`, a gitfile, a repository owned by someone else, a line it cannot parse)
 * makes it defer to git itself, so the answer is always git's.
 */

/** A key as `git config` prints it: section and name lower-cased (`user.name`). */
type GitConfigKey = string;

/** What a reading found: the last value of each wanted key, or `undefined` where only git can tell. */
export type GitConfigValues = Map<GitConfigKey, string>;

class Defer extends Error {}
const defer = (why: string): never => {
  throw new Defer(why);
};

/**
 * The last value of each of `keys` (simple `section.name` keys, lower-case), as `git config
 * --get-regexp` in `cwd` would print them; a key set without a value (`name` alone, a boolean) is
 * skipped, as the old line-based reading of git's output skipped it.
 */
export function readGitConfig(keys: readonly GitConfigKey[], cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): GitConfigValues {
  return readGitConfigInProcess(keys, cwd, env) ?? readWithGit(keys, cwd, env);
}

/** The in-process reading alone: `undefined` where it defers to git. */
export function readGitConfigInProcess(keys: readonly GitConfigKey[], cwd: string, env: NodeJS.ProcessEnv): GitConfigValues | undefined {
  try {
    return readInProcess(keys, cwd, env);
  } catch (e) {
    if (e instanceof Defer) return undefined;
    throw e;
  }
}

/** The same answer from git itself: the fallback, and the oracle of the tests. */
export function readWithGit(keys: readonly GitConfigKey[], cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): GitConfigValues {
  const values: GitConfigValues = new Map();
  const pattern = `^(${keys.map((k) => k.replace(/[.]/g, '\\.')).join('|')})$`;
  try {
    const out = execFileSync('git', ['config', '--null', '--get-regexp', pattern], {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // `key\nvalue\0` per entry (`key\0` when it has no value); later entries win.
    for (const entry of out.split('\0')) {
      const nl = entry.indexOf('\n');
      if (nl > 0) values.set(entry.slice(0, nl), entry.slice(nl + 1));
    }
  } catch {
    // git missing, none of the keys set (exit 1), or a config git refuses (exit 128): nothing
  }
  return values;
}

function readInProcess(keys: readonly GitConfigKey[], cwd: string, env: NodeJS.ProcessEnv): GitConfigValues {
  for (const v of ['GIT_CONFIG', 'GIT_CONFIG_PARAMETERS', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES'])
    if (env[v] !== undefined) defer(`${v} is set`);
  if (env.GIT_DISCOVERY_ACROSS_FILESYSTEM !== undefined) defer('GIT_DISCOVERY_ACROSS_FILESYSTEM is set');
  const wanted = new Set(keys);
  const values: GitConfigValues = new Map();
  const take = (entries: Entry[]) => {
    for (const [k, v] of entries) if (v !== null && wanted.has(k)) values.set(k, v);
  };
  for (const file of [...systemFiles(env), ...globalFiles(env)]) take(entriesOf(file));
  const repoConfig = repositoryConfig(cwd, env);
  if (repoConfig) {
    const entries = entriesOf(repoConfig);
    // A repository git would not accept (a newer format, extensions such as worktreeConfig) is git's to judge.
    if (entries.some(([k, v]) => k.startsWith('extensions.') || (k === 'core.repositoryformatversion' && !/^\s*[01]\s*$/.test(v ?? ''))))
      defer('repository format');
    take(entries);
  }
  take(commandEntries(env));
  return values;
}

/** `git_env_bool`: unset is the default; a value git would not parse as a boolean is git's to refuse. */
function envBool(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined) return false;
  const v = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(v)) return false;
  return /^-?\d+$/.test(v) ? Number(v) !== 0 : defer(`${name}='${raw}'`);
}

/** The system file: GIT_CONFIG_SYSTEM, else the one a Linux git installed under /usr or /usr/local reads. */
function systemFiles(env: NodeJS.ProcessEnv): string[] {
  if (envBool(env, 'GIT_CONFIG_NOSYSTEM')) return [];
  if (env.GIT_CONFIG_SYSTEM !== undefined) return env.GIT_CONFIG_SYSTEM ? [env.GIT_CONFIG_SYSTEM] : [];
  // Elsewhere the path is compiled into git (or relative to its executable): ask git.
  if (process.platform !== 'linux') defer('system config path');
  const git = gitOnPath(env);
  if (git === '/usr/bin/git') return ['/etc/gitconfig'];
  if (git === '/usr/local/bin/git') return ['/usr/local/etc/gitconfig'];
  return defer(`system config of ${git ?? 'a missing git'}`);
}

function gitOnPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'git');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (!fs.statSync(file).isFile()) continue;
      return fs.realpathSync(file);
    } catch {
      // not here
    }
  }
  return undefined;
}

function globalFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.GIT_CONFIG_GLOBAL !== undefined) return env.GIT_CONFIG_GLOBAL ? [env.GIT_CONFIG_GLOBAL] : [];
  const out: string[] = [];
  if (env.XDG_CONFIG_HOME) out.push(path.join(env.XDG_CONFIG_HOME, 'git', 'config'));
  else if (env.HOME) out.push(path.join(env.HOME, '.config', 'git', 'config'));
  if (env.HOME) out.push(path.join(env.HOME, '.gitconfig'));
  return out;
}

/**
 * `config` of the repository git discovers from `cwd`: the first directory upwards (on the same
 * filesystem) holding a `.git` directory that is a git directory. A gitfile, a bare repository
 * on the way, or one owned by another user (safe.directory) is git's to judge.
 */
function repositoryConfig(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  let dir = path.resolve(cwd);
  const device = statOf(dir)?.dev;
  const uid = process.geteuid?.();
  for (;;) {
    const dotGit = path.join(dir, '.git');
    const st = statOf(dotGit);
    if (st?.isFile()) defer('a gitfile');
    if (st?.isDirectory() && isGitDirectory(dotGit)) {
      if (fs.existsSync(path.join(dotGit, 'commondir'))) defer('a linked worktree');
      const owner = uid === 0 && env.SUDO_UID ? Number(env.SUDO_UID) : uid;
      if (owner !== undefined && (st.uid !== owner || statOf(dir)?.uid !== owner)) defer('owned by another user');
      return path.join(dotGit, 'config');
    }
    if (isGitDirectory(dir)) defer('a bare repository');
    const up = path.dirname(dir);
    if (up === dir || statOf(up)?.dev !== device) return undefined;
    dir = up;
  }
}

function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** git's `is_git_directory`: objects/ and refs/ directories and a HEAD that names a ref or a commit. */
function isGitDirectory(dir: string): boolean {
  if (!statOf(path.join(dir, 'objects'))?.isDirectory() || !statOf(path.join(dir, 'refs'))?.isDirectory()) return false;
  let head: string;
  try {
    head = fs.readFileSync(path.join(dir, 'HEAD'), 'latin1');
  } catch {
    return false;
  }
  if (/^ref:\s*refs\//.test(head) || /^[0-9a-f]{40}([0-9a-f]{24})?\s*$/.test(head)) return true;
  // A symlinked HEAD, or anything else git would weigh: let git decide.
  return defer('an unusual HEAD');
}

/** `GIT_CONFIG_COUNT` with `GIT_CONFIG_KEY_<i>` / `GIT_CONFIG_VALUE_<i>`, read after every file. */
function commandEntries(env: NodeJS.ProcessEnv): Entry[] {
  const raw = env.GIT_CONFIG_COUNT;
  if (raw === undefined || raw === '') return [];
  if (!/^\d+$/.test(raw)) defer('GIT_CONFIG_COUNT');
  const out: Entry[] = [];
  for (let i = 0; i < Number(raw); i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`];
    const value = env[`GIT_CONFIG_VALUE_${i}`];
    const m = key === undefined ? null : /^([A-Za-z0-9-]+)\.([A-Za-z][A-Za-z0-9-]*)$/.exec(key);
    if (!m || value === undefined) defer(`GIT_CONFIG_KEY_${i}`);
    out.push([`${m![1].toLowerCase()}.${m![2].toLowerCase()}`, value!]);
  }
  return out;
}

/** The entries of a config file that exists, or none; one git could not read or that includes others is git's. */
function entriesOf(file: string): Entry[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    return defer(`${file}: ${(e as Error).message}`);
  }
  const entries = parseGitConfig(bytes) ?? defer(`${file} is not valid git config`);
  if (entries.some(([k]) => k.startsWith('include.') || k.startsWith('includeif.'))) defer(`${file} includes other files`);
  return entries;
}
