import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Argv, Options } from 'yargs';
import { UsageError } from '../errors.js';

/**
 * A command's options written once, as data. yargs' builder is made from it (`builderOf`), and so
 * is the quick parser below, which lets the verbs that must start instantly (`status`, `log`,
 * `branch`) run without loading yargs (~80 ms of start-up, see docs/benchmarks.md). yargs stays the
 * authority: the quick parser answers only argument lists it reads exactly as yargs would, and
 * gives up (undefined) on anything else — `--help`, usage errors, `--`, repeated options, yargs'
 * own spellings — so help texts, messages and exit codes all still come from yargs.
 */
export interface OptionSpec {
  type: 'string' | 'boolean' | 'number';
  alias?: string;
  describe?: string;
  array?: boolean;
  global?: boolean;
  /** The only values a string option takes (yargs' `choices`; the quick parser gives up on others). */
  choices?: readonly string[];
  /** The value when the option is not given (yargs' `default`; the quick parser sets it too). */
  default?: boolean | string;
  /** A number option's least value (`wholeNumber`'s `min`; the quick parser gives up below it). */
  min?: number;
  /** Left out of `--help` (yargs' `hidden`). */
  hidden?: boolean;
}
export interface CommandSpec {
  /** The positionals named in the command string, with their types (strings only: yargs would coerce others). */
  positionals?: Record<string, { type: 'string'; describe?: string }>;
  options?: Record<string, OptionSpec>;
}

export const builderOf =
  (spec: CommandSpec) =>
  (y: Argv): Argv => {
    for (const [name, p] of Object.entries(spec.positionals ?? {})) y = y.positional(name, p);
    return y.options(yargsOptions(spec.options ?? {}));
  };

/** yargs' option table from the data: a number option becomes a whole-number one (`wholeNumber`). */
export function yargsOptions(options: Record<string, OptionSpec>): Record<string, Options> {
  const flag = (key: string) => (key.length === 1 ? `-${key}` : `--${key}`);
  return Object.fromEntries(
    Object.entries(options).map(([key, { min, ...o }]) => [
      key,
      o.type === 'number' ? { ...wholeNumber(flag(key), o.describe ?? '', o.alias, min), hidden: o.hidden } : o,
    ]),
  );
}

/**
 * A count option (`-n 20`, `--limit 5`): a whole number ≥ min. yargs turns a number option's `abc`
 * into NaN before any check sees it, so the option is left untyped (yargs keeps `abc` as typed, and
 * reads `20` as 20) and checked here, so that the error can quote what the user wrote.
 */
export function wholeNumber(flag: string, describe: string, alias?: string, min = 0): Options {
  return {
    alias,
    describe,
    requiresArg: true,
    coerce: (v: unknown) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && NUMBER.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min) {
        throw new UsageError(
          `${flag} must be a whole number${min ? ` ≥ ${min}` : ''}, not '${String(v)}'`,
          { [flag]: v },
          `e.g. ${flag} 20`,
        );
      }
      return n;
    },
  };
}

export type QuickArgv = Record<string, unknown> & { _: string[]; $0: string };

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const NUMBER = /^-?\d+(\.\d+)?$/;

/** parseArgs' option table: yargs' key and alias become a long name and, if one letter, a short one. */
function parseArgsOptions(options: Record<string, OptionSpec>): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {};
  for (const [key, o] of Object.entries(options)) {
    const names = [key, ...(o.alias ? [o.alias] : [])];
    const long = names.find((n) => n.length > 1) ?? key;
    const short = names.find((n) => n.length === 1);
    out[long] = { type: o.type === 'boolean' ? 'boolean' : 'string', multiple: !!o.array, ...(short ? { short } : {}) };
  }
  return out;
}

/** Positional names of a yargs command string (`branch [name] [start]`), or undefined for forms not handled here. */
function positionalNames(command: string): { name: string; required: boolean }[] | undefined {
  const words = command.split(' ').slice(1);
  if (words.some((w) => w.includes('..'))) return undefined;
  return words.map((w) => ({ name: w.slice(1, -1), required: w.startsWith('<') }));
}

/** Cases where yargs reads tokens differently from parseArgs: then the quick parser gives up. */
type Token = { kind: 'option'; name: string; value?: string } | { kind: 'positional'; value: string } | { kind: 'option-terminator' };

function yargsReadsOtherwise(tokens: Token[], options: Record<string, OptionSpec>, longOf: (n: string) => string): boolean {
  const seen = new Set<string>();
  let verbSeen = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'option-terminator') return true;
    verbSeen ||= t.kind === 'positional';
    if (t.kind !== 'option') continue;
    const o = options[longOf(t.name)];
    // Before the verb yargs knows only the global options, and reads another as taking a value.
    if (!verbSeen && !o.global) return true;
    if (!o.array && seen.has(t.name)) return true; // yargs collects a repeated option into an array
    seen.add(t.name);
    const next = tokens[i + 1];
    // yargs takes `--flag true` as the flag's value, and lets an array option swallow later words.
    if (next?.kind === 'positional' && (o.array || (o.type === 'boolean' && /^(true|false)$/.test(next.value)))) return true;
    if (o.type === 'number' && t.value !== undefined && (!/^\d+$/.test(t.value) || Number(t.value) < (o.min ?? 0))) return true;
    if (o.choices && t.value !== undefined && !o.choices.includes(t.value)) return true;
  }
  return false;
}

/**
 * `args` read as yargs would for this command, or undefined where the quick parser does not answer.
 * `verb` is the command word as typed; `globals` are the options every command takes.
 */
export function quickParse(
  args: readonly string[],
  verb: string,
  command: string,
  spec: CommandSpec,
  globals: Record<string, OptionSpec>,
): QuickArgv | undefined {
  const positionals = positionalNames(command);
  if (!positionals) return undefined;
  const specOptions = { ...globals, ...spec.options };
  const table = parseArgsOptions(specOptions);
  const keyOf = new Map(Object.entries(specOptions).flatMap(([k, o]) => [k, o.alias].filter(Boolean).map((n) => [n as string, k])));
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: table, strict: true, allowPositionals: true, allowNegative: true, tokens: true });
  } catch {
    return undefined;
  }
  if (yargsReadsOtherwise(parsed.tokens as Token[], specOptions, (n) => keyOf.get(n) ?? n)) return undefined;
  const [word, ...values] = parsed.positionals;
  if (word !== verb || values.length > positionals.length) return undefined;
  if (positionals.some((p, i) => p.required && values[i] === undefined)) return undefined;
  const argv: QuickArgv = { _: [verb], $0: 'lakegit' };
  const set = (name: string, v: unknown) => {
    argv[name] = v;
    if (name.includes('-')) argv[camel(name)] = v;
  };
  for (const [long, raw] of Object.entries(parsed.values)) {
    const key = keyOf.get(long) ?? long;
    const o = specOptions[key];
    const v = o.type === 'number' ? (Array.isArray(raw) ? raw.map(Number) : Number(raw)) : raw;
    for (const name of [key, o.alias].filter(Boolean) as string[]) set(name, v);
  }
  values.forEach((v, i) => set(positionals[i].name, v));
  // yargs gives an option's default, under its name and alias, whenever the line leaves it out.
  for (const [key, o] of Object.entries(specOptions)) {
    if (o.default === undefined || argv[key] !== undefined) continue;
    for (const name of [key, o.alias].filter(Boolean) as string[]) set(name, o.default);
  }
  return argv;
}
