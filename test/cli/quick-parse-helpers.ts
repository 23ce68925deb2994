import yargs from 'yargs';
import { expect } from 'vitest';
import { colorFrom, GLOBAL_OPTIONS } from '../../src/cli/main.js';
import { quickParse, type CommandSpec } from '../../src/cli/spec.js';

export type Mod = { command: string; aliases?: string[]; describe: string; spec: CommandSpec; builder: (y: never) => unknown };

/** What the CLI's yargs set-up (src/cli/main.ts) hands the handler, or 'usage error'. */
async function yargsArgv(args: readonly string[], mod: Mod): Promise<Record<string, unknown> | 'usage error'> {
  let seen: Record<string, unknown> | undefined;
  let failed = false;
  await yargs([...args])
    .parserConfiguration({ 'boolean-negation': true })
    .options(GLOBAL_OPTIONS)
    .command({
      ...mod,
      handler: (a: Record<string, unknown>) => {
        seen = a;
      },
    } as never)
    .demandCommand(1)
    .strict()
    .fail(() => {
      failed = true;
    })
    .parseAsync()
    .catch(() => {
      failed = true;
    });
  return failed || !seen ? 'usage error' : seen;
}

/**
 * The argv without its undefined values; a variadic positional given no word is yargs' `[undefined]` (its
 * `default: undefined`) or the quick parser's `[]`, which `add`'s handler reads alike: both are left out.
 */
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).filter(([k, v]) => v !== undefined && k !== '$0' && !(Array.isArray(v) && v.every((x) => x === undefined))),
  );

/**
 * The quick parser answers only where yargs would accept the line, and then with the same argv.
 * Both see the line as main() hands it on: with its `--color`/`--no-color` forms taken out.
 */
export async function agrees(verb: string, mod: Mod, line: string[]): Promise<void> {
  const { args } = colorFrom(line, {}, false);
  const quick = quickParse(args, verb, mod.command, mod.spec, GLOBAL_OPTIONS);
  if (args.includes('--help') || args.includes('--version')) return void expect(quick).toBeUndefined();
  if (!quick) return;
  const slow = await yargsArgv(args, mod);
  expect(slow, args.join(' ')).not.toBe('usage error');
  expect(defined(quick), args.join(' ')).toEqual(defined(slow as Record<string, unknown>));
}
