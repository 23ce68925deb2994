import type { Argv } from 'yargs';
import { openRepo, print, type GlobalArgs } from '../shared.js';

export const command = 'config <key> [value]';
export const describe = 'read or set a repository setting (user.name, user.email, …)';
export const builder = (y: Argv) =>
  y.positional('key', { type: 'string', demandOption: true }).positional('value', { type: 'string' }).option('unset', { type: 'boolean' });
export async function handler(argv: GlobalArgs & { key: string; value?: string; unset?: boolean }): Promise<void> {
  const repo = await openRepo(argv);
  if (argv.unset) await repo.setConfig(argv.key, undefined);
  else if (argv.value !== undefined) await repo.setConfig(argv.key, argv.value);
  else {
    const v = (await repo.config())[argv.key];
    if (v === undefined) process.exitCode = 1;
    else print(v);
  }
}
