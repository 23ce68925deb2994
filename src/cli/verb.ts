/** The flat command table: each is one file in commands/; later issues add theirs here. */
const COMMANDS = [
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
  'restore',
  'stash',
  'reflog',
  'pre-receive',
  'post-receive',
  'remote',
  'clone',
  'fetch',
  'pull',
  'push',
];
const OPTIONAL_COMMANDS = [
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

/** Every verb, for the help test that loops over them all. */
export const ALL_COMMANDS: readonly string[] = [...COMMANDS, ...OPTIONAL_COMMANDS];

const ALIASES: Record<string, string> = { switch: 'checkout' };

/** The word naming the verb: the first that is not an option (or the value of -C). */
export function verbWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-C') {
      i++;
      continue;
    }
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** The verb named, its alias resolved; not necessarily a known one. */
export const verbOf = (args: readonly string[]): string | undefined => {
  const word = verbWord(args);
  return word && (ALIASES[word] ?? word);
};
