import type { CommandModule } from 'yargs';
import { LakegitError } from '../errors.js';
import { setColor } from './render/color.js';
import { quickParse, type CommandSpec, type OptionSpec } from './spec.js';
import { ALL_COMMANDS, verbOf, verbWord } from './verb.js';

export { useS3Sdk } from '../index.js';

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  C: { type: 'string', describe: 'run as if started in this directory', global: true },
  json: { type: 'boolean', describe: 'JSON output where a command has formats', global: true },
  color: {
    type: 'string',
    choices: ['always', 'never', 'auto'],
    describe:
      'colour the output: --color=always (or --color alone), never, auto (the default: a TTY without NO_COLOR; FORCE_COLOR forces it)',
    global: true,
  },
  q: { alias: 'quiet', type: 'boolean', describe: 'print only what was asked for', global: true },
};

/** A verb's module: yargs' command fields, its options as data where it has them, and its examples. */
type Command = CommandModule & { spec?: CommandSpec; examples?: [string, string][] };

/**
 * Only the invoked command's module is loaded, so `lakegit log` (and `lakegit log --help`) never
 * compiles what `merge` or `sql` need; `lakegit --help` and unknown verbs load the whole table to list it.
 */
async function loadCommands(args: readonly string[]): Promise<Command[]> {
  const load = async (name: string) => (await import(`./commands/${name}.js`)) as Command;
  const verb = verbOf(args);
  const known = ALL_COMMANDS;
  const wanted = verb && known.includes(verb) ? [verb] : known;
  return (await Promise.all(wanted.map(load))).map(withExamples);
}

/** yargs' builder, followed by the verb's examples, so `lakegit <verb> --help` shows them. */
function withExamples(mod: Command): Command {
  const build = mod.builder;
  if (!mod.examples?.length || typeof build !== 'function') return mod;
  return {
    ...mod,
    builder: (y) => {
      const built = (build(y) ?? y) as typeof y;
      return built.example(mod.examples!.map(([cmd, what]) => [`lakegit ${cmd}`, what]));
    },
  };
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

/**
 * yargs renders the whole help text after it starts a command's handler, to keep it for a later
 * `showHelp` (~70 ms of CPU on every run, on the critical path). lakegit never shows help once a
 * command runs (its errors print a hint instead), so that render is skipped. `--help` and usage errors
 * do not go through the cache and are unchanged (test/cli/help-json.test.ts).
 */
function skipHelpCache(parser: object): void {
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (parser as Internal).getInternalMethods?.().getUsageInstance?.();
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
}

/** Parse with yargs and run the command; a usage error's exit code, or undefined. */
async function runYargs(args: readonly string[], commands: Command[]): Promise<number | undefined> {
  const { default: yargs } = await import('yargs');
  let usageError: string | undefined;
  const usage = () => {
    const word = verbWord(args);
    const suggestion = /^Did you mean (.+)\?$/.exec(usageError ?? '');
    process.stderr.write(
      suggestion
        ? `lakegit: error: '${word}' is not a lakegit command\nhint: did you mean '${suggestion[1]}'?\n`
        : `lakegit: error: ${usageError}\nhint: see 'lakegit ${word && commands.length === 1 ? `${word} ` : ''}--help'\n`,
    );
    return 2;
  };
  const parser = yargs([...args])
    .scriptName('lakegit')
    .parserConfiguration({ 'boolean-negation': true })
    .options(GLOBAL_OPTIONS)
    .command(commands)
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .strict()
    .version()
    .help()
    .alias('h', 'help')
    .epilog('Every command, flag, exit code and JSON shape: docs/cli.md. A table at a revision is written orders@main~2.')
    .fail((msg, err) => {
      // yargs' own errors (an option's check, a missing value) are usage errors; others are the command's.
      if (err && err.name !== 'YError') throw err;
      msg ??= err?.message;
      // Throw, so that a usage error stops yargs before it runs the command's handler.
      usageError = msg;
      throw new Error(msg);
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
  } catch (e) {
    if (usageError) return usage();
    throw e;
  }
  return usageError ? usage() : undefined;
}

export async function main(argList: readonly string[] = process.argv.slice(2)): Promise<number> {
  const { args, color } = colorFrom(argList, process.env, !!process.stdout.isTTY);
  setColor(color);
  if (args.length === 0) return noVerb();
  try {
    const asked = helpAsFlag(args);
    const commands = await loadCommands(asked);
    if (!(await runQuick(asked, commands))) {
      const code = await runYargs(asked, commands);
      if (code !== undefined) return code;
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return report(e);
  } finally {
    await (await import('../repo.js')).Repo.close();
  }
}

/** `help` and `help <verb>` as git reads them: the same as `--help` and `<verb> --help`. */
export function helpAsFlag(args: readonly string[]): readonly string[] {
  return verbWord(args) === 'help' ? [...args.filter((a) => a !== 'help'), '--help'] : args;
}

/**
 * Whether to colour, from `--color[=always|never|auto]`, `--no-color`, `FORCE_COLOR` and `NO_COLOR`
 * (the last on the line wins, then the environment, then whether stdout is a terminal). These forms
 * are taken out of the arguments: `--color` alone means always, as in git, and never takes the next
 * word as its value (`diff --color HEAD~1`). Any other `--color=X` is left for yargs to refuse.
 */
export function colorFrom(argList: readonly string[], env: NodeJS.ProcessEnv, tty: boolean): { args: readonly string[]; color: boolean } {
  let when: string | undefined;
  const end = argList.includes('--') ? argList.indexOf('--') : argList.length;
  const args = argList.filter((a, i) => {
    const m = i < end ? /^--color(?:=(always|never|auto))?$/.exec(a) : null;
    if (m) when = m[1] ?? 'always';
    else if (i < end && a === '--no-color') when = 'never';
    return !m && (i >= end || a !== '--no-color');
  });
  if (when === 'always') return { args, color: true };
  if (when === 'never') return { args, color: false };
  if (env.FORCE_COLOR !== undefined) return { args, color: env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false' };
  return { args, color: !env.NO_COLOR && tty };
}

/** `lakegit` alone: the list of commands on stderr, as a usage error. */
async function noVerb(): Promise<number> {
  const commands = await loadCommands(['--help']);
  const { default: yargs } = await import('yargs');
  const help = await yargs([]).scriptName('lakegit').options(GLOBAL_OPTIONS).command(commands).getHelp();
  process.stderr.write(
    `usage: lakegit <command> [options]\n\n${help}\n\nlakegit: error: name a command\nhint: 'lakegit help <command>' shows a command's options and examples\n`,
  );
  return 2;
}
