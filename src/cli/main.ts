import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { LakegitError } from '../errors.js';
import { setColor } from './render/color.js';

/** The flat command table: each file is one verb; later issues add theirs here. */
const COMMANDS = [
  'init', 'add', 'rm', 'mv', 'status', 'commit', 'log', 'show', 'branch', 'checkout', 'tag', 'reset',
  'files', 'export', 'fsck', 'gc', 'config',
];
export const OPTIONAL_COMMANDS = ['diff', 'merge', 'conflicts', 'resolve', 'revert', 'cherry-pick', 'blame', 'check', 'protect', 'unprotect', 'sql'];

const ALIASES: Record<string, string> = { switch: 'checkout' };

/** The verb a command line names: the first word that is not an option (or the value of -C). */
function verbOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-C') { i++; continue; }
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return ALIASES[a] ?? a;
  }
  return undefined;
}

/**
 * Only the invoked command's module is loaded, so `lakegit log` never compiles what `merge` or
 * `sql` need; `--help` and unknown verbs load the whole table to list it.
 */
async function loadCommands(args: readonly string[]): Promise<CommandModule[]> {
  const load = async (name: string, optional: boolean) => {
    try {
      return (await import(`./commands/${name}.js`)) as CommandModule;
    } catch (e) {
      if (optional && (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
      throw e;
    }
  };
  const verb = verbOf(args);
  const known = [...COMMANDS, ...OPTIONAL_COMMANDS];
  const wanted = verb && known.includes(verb) && !args.includes('--help') ? [verb] : known;
  const mods = await Promise.all(wanted.map((c) => load(c, OPTIONAL_COMMANDS.includes(c))));
  return mods.filter((m): m is CommandModule => m !== undefined);
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

export async function main(args = hideBin(process.argv)): Promise<number> {
  const color = !args.includes('--no-color') && !process.env.NO_COLOR && !!process.stdout.isTTY;
  setColor(color);
  let usageError: string | undefined;
  const parser = yargs(args)
    .scriptName('lakegit')
    .parserConfiguration({ 'boolean-negation': true })
    .option('C', { type: 'string', describe: 'run as if started in this directory', global: true })
    .option('json', { type: 'boolean', describe: 'JSON output where a command has formats', global: true })
    .option('color', { type: 'boolean', describe: 'colour output (--no-color turns it off)', global: true })
    .option('q', { alias: 'quiet', type: 'boolean', global: true })
    .command(await loadCommands(args))
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
    if (usageError) {
      process.stderr.write(`lakegit: error: ${usageError}\nhint: see 'lakegit --help'\n`);
      return 2;
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (usageError) {
      process.stderr.write(`lakegit: error: ${usageError}\nhint: see 'lakegit --help'\n`);
      return 2;
    }
    return report(e);
  } finally {
    const { Engine } = await import('../engine/db.js');
    if (Engine.loaded()) (await Engine.get()).close();
  }
}
