import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corrupt, refused } from '../../errors.js';
import { writeFileAtomic } from '../../store/fsutil.js';
import { PENDING } from './receive-record.js';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The first line after the shebang: how a hook written here is told from anyone else's. */
const mark = (hook: string) => `# lakegit ${hook} hook`;

/** What each hook is for, in its own words. */
const HOOKS: Record<'pre-receive' | 'post-receive', string[]> = {
  'pre-receive': [
    "# A push that moves a branch protected in this repository must pass the branch's committed checks;",
    '# no push may change the passes this repository records (refs/notes/lakegit-*).',
    '# Protect a branch here with: lakegit -C <this repository> protect <branch>',
  ],
  'post-receive': [
    '# Records, as git notes in refs/notes/lakegit-checks, the row-local checks that pre-receive',
    '# found passing on the new tips of protected branches: clones fetch them to check incrementally.',
  ],
};

/**
 * Shell lines before a hook starts lakegit, which costs a node start-up (~0.3–0.5 s of a push's
 * wall time on the server) that most pushes need not pay. git runs a bare repository's hooks in it.
 * pre-receive refuses only an update of `refs/notes/lakegit-*` or of a branch protected here
 * (receive.ts), so it starts lakegit only when a pushed ref is one of those: a branch is looked up
 * in lakegit-config.json (config.ts writes `"branch.<name>.protected"` for it); a branch name with
 * any character JSON could escape, or a config the hook cannot read, starts lakegit too. The
 * updates it read are handed on as lakegit's stdin. post-receive has work only when pre-receive
 * staged the passes of a protected tip.
 */
const GUARDS: Partial<Record<keyof typeof HOOKS, string[]>> = {
  'pre-receive': [
    'updates=$(cat)',
    'config=lakegit-config.json',
    'guarded=',
    '[ -e "$config" ] && [ ! -r "$config" ] && guarded=1',
    'while read -r old new ref; do',
    '  case "$ref" in',
    '    refs/notes/lakegit-*) guarded=1 ;;',
    '    refs/heads/*)',
    '      branch=${ref#refs/heads/}',
    '      case "$branch" in',
    '        *[!A-Za-z0-9._/-]*) guarded=1 ;;',
    '        *) grep -qF "\\"branch.$branch.protected\\"" "$config" 2>/dev/null && guarded=1 ;;',
    '      esac ;;',
    '  esac',
    'done <<EOF',
    '$updates',
    'EOF',
    '[ -n "$guarded" ] || exit 0',
    'exec <<EOF',
    '$updates',
    'EOF',
  ],
  'post-receive': [`[ -n "$(ls -A ${shellQuote(PENDING)} 2>/dev/null)" ] || { cat >/dev/null; exit 0; }`],
};

/**
 * Install `hooks/pre-receive` and `hooks/post-receive` in a bare git repository, so that git itself
 * (receive-pack, over a local path, ssh or `git http-backend`) asks lakegit before any pushed ref
 * moves: a push to a branch protected in that repository (`lakegit -C <dir> protect <branch>`)
 * must pass the branch's committed checks, or git refuses it with the report. Once the refs have
 * moved, post-receive records the passes (git forbids ref updates inside pre-receive's quarantine).
 * The hooks run this same installation of lakegit, by absolute paths, since a server's hook
 * environment has a minimal PATH. A hook of someone else's is not replaced (nothing is written).
 */
export async function installReceiveHooks(gitDir: string): Promise<void> {
  const files = Object.keys(HOOKS).map((hook) => [hook, path.join(gitDir, 'hooks', hook)] as const);
  for (const [hook, file] of files) {
    const existing = await fsp.readFile(file, 'utf8').catch(() => undefined);
    if (existing !== undefined && !existing.includes(mark(hook))) {
      throw refused(
        `${file} exists and was not written by lakegit`,
        { file },
        `call lakegit's hook from it: exec lakegit ${hook} (it reads git's ref updates on stdin)`,
      );
    }
  }
  for (const [hook, file] of files) {
    const script = [
      '#!/bin/sh',
      mark(hook),
      ...HOOKS[hook as keyof typeof HOOKS],
      ...(GUARDS[hook as keyof typeof HOOKS] ?? []),
      `exec ${shellQuote(process.execPath)} ${shellQuote(lakegitBin())} ${hook}`,
      '',
    ].join('\n');
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, script);
    await fsp.chmod(file, 0o755);
  }
}

/** bin/lakegit of the package this code runs from (tsc's dist/src/… or the bundle's dist/cli/…). */
function lakegitBin(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const bin = path.join(dir, 'bin', 'lakegit');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(bin)) return bin;
    const up = path.dirname(dir);
    if (up === dir) throw corrupt('cannot find bin/lakegit above this installation of lakegit');
    dir = up;
  }
}
