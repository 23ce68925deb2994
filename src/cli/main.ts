import type { CommandModule } from 'yargs';
import { LakegitError } from '../errors.js';
import { setColor } from './render/color.js';
import { quickParse, type CommandSpec, type OptionSpec } from './spec.js';
import { importEsm } from './esm.js';
import { verbWord } from './verb.js';

export { setImporter } from './esm.js';

/** The flat command table: each file is one verb; later issues add theirs here. */
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
  'remote',
  'clone',
  'fetch',
  'pull',
  'push',
];
export const OPTIONAL_COMMANDS = [
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

const ALIASES: Record<string, string> = { switch: 'checkout' };

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  C: { type: 'string', describe: 'run as if started in this directory', global: true },
  json: { type: 'boolean', describe: 'JSON output where a command has formats', global: true },
  color: { type: 'boolean', describe: 'colour output (--no-color turns it off)', global: true },
  q: { alias: 'quiet', type: 'boolean', global: true },
};

type Command = CommandModule & { spec?: CommandSpec };

const verbOf = (args: readonly string[]): string | undefined => {
  const word = verbWord(args);
  return word && (ALIASES[word] ?? word);
};

/**
 * Only the invoked command's module is loaded, so `lakegit log` never compiles what `merge` or
 * `sql` need; `--help` and unknown verbs load the whole table to list it.
 */
async function loadCommands(args: readonly string[]): Promise<Command[]> {
  const load = async (name: string, optional: boolean) => {
    try {
      return (await import(`./commands/${name}.js`)) as Command;
    } catch (e) {
      if (optional && (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
      throw e;
    }
  };
  const verb = verbOf(args);
  const known = [...COMMANDS, ...OPTIONAL_COMMANDS];
  const wanted = verb && known.includes(verb) && !args.includes('--help') ? [verb] : known;
  const mods = await Promise.all(wanted.map((c) => load(c, OPTIONAL_COMMANDS.includes(c))));
  return mods.filter((m): m is Command => m !== undefined);
}

function report(e: unknown): number {
  const debug = process.env.LAKEGIT_DEBUG === '1';
  if (e instanceof LakegitError) {
    process.stderr.write(`lakegit: error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    if (debug) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  process.stderr.write(`lakegit: error: ${err?.message ?? String(e)}\n`);
  if (debug) process.stderr.write(`${err?.stack}\n`);
  else process.stderr.write('hint: this is a bug or an unreadable repository; rerun with LAKEGIT_DEBUG=1 for details\n');
  return 3;
}

/**
 * The command's handler run without yargs, when the command gives its options as data and the
 * quick parser reads `args` exactly as yargs would; false when yargs has to parse them.
 */
async function runQuick(args: readonly string[], commands: Command[]): Promise<boolean> {
  const word = verbWord(args);
  const [mod] = commands;
  if (commands.length !== 1 || !word || !mod.spec || typeof mod.command !== 'string' || !mod.handler) return false;
  const argv = quickParse(args, word, mod.command, mod.spec, GLOBAL_OPTIONS);
  if (!argv) return false;
  await mod.handler(argv as never);
  return true;
}

/** Parse with yargs and run the command; a usage error's exit code, or undefined. */
async function runYargs(args: readonly string[], commands: Command[]): Promise<number | undefined> {
  const { default: yargs } = await importEsm<typeof import('yargs')>('yargs');
  let usageError: string | undefined;
  const usage = () => {
    process.stderr.write(`lakegit: error: ${usageError}\nhint: see 'lakegit --help'\n`);
    return 2;
  };
  const parser = yargs([...args])
    .scriptName('lakegit')
    .parserConfiguration({ 'boolean-negation': true })
    .options(GLOBAL_OPTIONS)
    .command(commands)
    .demandCommand(1, 'name a command; see lakegit --help')
    .strict()
    .version()
    .help()
    .fail((msg, err) => {
      if (err) throw err;
      // Throw, so that a usage error stops yargs before it runs the command's handler.
      usageError = msg;
      throw new Error(msg);
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (usageError) return usage();
    throw e;
  }
  return usageError ? usage() : undefined;
}

export async function main(args: readonly string[] = process.argv.slice(2)): Promise<number> {
  const color = !args.includes('--no-color') && !process.env.NO_COLOR && !!process.stdout.isTTY;
  setColor(color);
  try {
    const commands = await loadCommands(args);
    if (!(await runQuick(args, commands))) {
      const code = await runYargs(args, commands);
      if (code !== undefined) return code;
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return report(e);
  } finally {
    const { Engine } = await import('../engine/db.js');
    if (Engine.loaded()) (await Engine.get()).close();
  }
}
