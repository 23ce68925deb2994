import { BadIdentity } from '../errors.js';
import { readGitConfig } from '../store/git-config.js';
import type { Identity } from '../store/git.js';
import type { RepoContext } from './context.js';
import { readConfig } from './config.js';

// git's user.* settings are read once per process: a commit resolves an identity several times
// (author, committer, each reflog entry). They are read in-process (src/store/git-config.ts), which
// defers to a `git config` spawn (tens of milliseconds) only for what it does not model, such as includes.
const gitUserCache = new Map<string, Map<string, string>>();

function gitConfig(key: 'user.name' | 'user.email'): string | undefined {
  const env = process.env;
  const at = [process.cwd(), env.HOME, env.XDG_CONFIG_HOME, env.GIT_CONFIG_GLOBAL, env.GIT_CONFIG_SYSTEM, env.GIT_CONFIG_NOSYSTEM].join(
    '\0',
  );
  let values = gitUserCache.get(at);
  if (!values) {
    values = new Map();
    // As when this read git's `key value` lines: the value trimmed, an empty one unset.
    for (const [k, v] of readGitConfig(['user.name', 'user.email'])) values.set(k, v.trim());
    gitUserCache.set(at, values);
  }
  return values.get(key) || undefined;
}

/** `LAKEGIT_AUTHOR_DATE` / `GIT_AUTHOR_DATE`: ISO 8601 or seconds since the epoch. */
export function authorDate(): { timestamp: number; timezoneOffset: number } {
  const raw = process.env.LAKEGIT_AUTHOR_DATE || process.env.GIT_AUTHOR_DATE;
  if (!raw) return { timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
  const secs = /^@?\d+$/.test(raw.trim()) ? Number(raw.trim().replace('@', '')) : Date.parse(raw) / 1000;
  if (!Number.isFinite(secs))
    throw new BadIdentity(`cannot parse author date '${raw}'`, { date: raw }, 'use ISO 8601 or seconds since the epoch');
  return { timestamp: Math.floor(secs), timezoneOffset: 0 };
}

/** `--author`, then LAKEGIT_AUTHOR_*, then GIT_AUTHOR_*, then `lakegit config`, then git's config. */
export async function resolveIdentity(ctx: RepoContext, author?: string): Promise<Identity> {
  let name: string | undefined;
  let email: string | undefined;
  if (author) {
    const m = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(author);
    if (!m) throw new BadIdentity(`--author must look like "Name <email>", got '${author}'`);
    [, name, email] = m;
  }
  const config = await readConfig(ctx);
  // An empty variable is unset, as for git: `LAKEGIT_AUTHOR_NAME= lakegit commit` falls through to the config.
  const env = (k: string) => process.env[k] || undefined;
  name ??= env('LAKEGIT_AUTHOR_NAME') ?? env('GIT_AUTHOR_NAME') ?? (config['user.name'] || undefined) ?? gitConfig('user.name');
  email ??= env('LAKEGIT_AUTHOR_EMAIL') ?? env('GIT_AUTHOR_EMAIL') ?? (config['user.email'] || undefined) ?? gitConfig('user.email');
  if (!name) throw new BadIdentity('no author name is set', {}, 'run \'lakegit config user.name "Your Name"\' or pass --author');
  return { name, email: email ?? '', ...authorDate() };
}

export const formatIdentity = (i: Pick<Identity, 'name' | 'email'>): string => `${i.name} <${i.email}>`;
