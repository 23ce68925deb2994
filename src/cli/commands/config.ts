import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs, printJson } from '../shared.js';

export const command = 'config <key> [value]';
export const describe = 'read or set a repository setting (user.name, user.email, …)';
export const builder = (y: Argv) =>
  y
    .positional('key', { type: 'string', demandOption: true, describe: 'setting name, e.g. user.name' })
    .positional('value', { type: 'string', describe: 'new value (omit to print the current one)' })
    .option('unset', { type: 'boolean', describe: 'remove the setting' });
export async function handler(argv: GlobalArgs & { key: string; value?: string; unset?: boolean }): Promise<void> {
  const repo = await openRepo(argv);
  if (argv.unset || argv.value !== undefined) {
    const value = argv.unset ? undefined : argv.value;
    await repo.setConfig(argv.key, value);
    if (argv.json) printJson({ key: argv.key, value: value ?? null });
  } else {
    const v = (await repo.config())[argv.key];
    if (v === undefined) process.exitCode = 1;
    if (argv.json) printJson({ key: argv.key, value: v ?? null });
    else if (v !== undefined) print(v);
  }
}

export const examples: [string, string][] = [
  ['config user.name "Ann Analyst"', 'set the name recorded in commits'],
  ['config user.email', 'print a setting'],
];
