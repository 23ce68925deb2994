import type { Argv } from 'yargs';
import { badInput } from '../../errors.js';
import { cwdOf, openRepo, print, printJson, type GlobalArgs } from '../shared.js';

interface RemoteArgs extends GlobalArgs {
  action?: string;
  args?: string[];
  v?: boolean;
  chunks?: string;
}

export const command = 'remote [action] [args..]';
export const describe = 'list, add, remove or re-point remotes (add <name> <url>, remove <name>, set-url <name> <url>)';
export const builder = (y: Argv) =>
  y
    .positional('action', { type: 'string', describe: 'add, remove (rm), set-url; none lists remotes' })
    .positional('args', {
      type: 'string',
      array: true,
      default: [],
      defaultDescription: 'none',
      describe: "the action's remote name and URL",
    })
    .option('v', { alias: 'verbose', type: 'boolean', describe: 'show each URL and chunk store' })
    .option('chunks', { type: 'string', describe: 'the chunk store (s3://bucket/prefix or a directory) for add / set-url' });

const need = (args: string[] | undefined, n: number, usage: string): string[] => {
  if ((args ?? []).length !== n) throw badInput(`usage: lakegit remote ${usage}`);
  return args!;
};

export async function handler(argv: RemoteArgs): Promise<void> {
  const repo = await openRepo(argv);
  const cwd = cwdOf(argv);
  switch (argv.action) {
    case undefined: {
      const all = await repo.remotes();
      if (argv.json) return printJson(all);
      for (const r of all) print(argv.v ? `${r.name}\t${r.url}${r.chunks ? `\t(chunks ${r.chunks})` : ''}` : r.name);
      return;
    }
    case 'add': {
      const [name, url] = need(argv.args, 2, 'add <name> <url> [--chunks <store>]');
      const r = await repo.addRemote(name, url, { chunks: argv.chunks, cwd });
      return argv.json ? printJson(r) : undefined;
    }
    case 'remove':
    case 'rm': {
      const [name] = need(argv.args, 1, 'remove <name>');
      await repo.removeRemote(name);
      return argv.json ? printJson({ name, removed: true }) : undefined;
    }
    case 'set-url': {
      const [name, url] = need(argv.args, 2, 'set-url <name> <url> [--chunks <store>]');
      const r = await repo.setRemoteUrl(name, url, { chunks: argv.chunks, cwd });
      return argv.json ? printJson(r) : undefined;
    }
    default:
      throw badInput(`unknown remote action '${argv.action}'`, {}, 'use add, remove, set-url, or no action to list');
  }
}

export const examples: [string, string][] = [
  ['remote add origin https://git.example.com/data.git', 'add a remote (chunks stored beside its git repository)'],
  ['remote add origin https://git.example.com/data.git --chunks s3://bucket/data', 'a remote whose chunks live in S3'],
  ['remote -v', 'list remotes with their URLs and chunk stores'],
];
