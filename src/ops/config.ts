import { readJsonIfExists, writeFileAtomic } from '../store/fsutil.js';
import type { RepoContext } from './context.js';

/** Repository settings (user.*, protected branches, …) in `.lakegit/lakegit-config.json`. */
export type RepoConfig = Record<string, string>;

const file = (ctx: RepoContext) => ctx.stateFile('lakegit-config.json');

export async function readConfig(ctx: RepoContext): Promise<RepoConfig> {
  return (await readJsonIfExists<RepoConfig>(file(ctx))) ?? {};
}

export async function writeConfig(ctx: RepoContext, config: RepoConfig): Promise<void> {
  await writeFileAtomic(file(ctx), `${JSON.stringify(config, null, 1)}\n`);
}

export async function setConfig(ctx: RepoContext, key: string, value: string | undefined): Promise<void> {
  const config = await readConfig(ctx);
  if (value === undefined) delete config[key];
  else config[key] = value;
  await writeConfig(ctx, config);
}
