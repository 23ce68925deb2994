import { Repo } from '../repo.js';

export interface GlobalArgs {
  C?: string;
  json?: boolean;
  color?: string;
  quiet?: boolean;
}

export const cwdOf = (argv: GlobalArgs): string => argv.C ?? process.cwd();
export async function openRepo(argv: GlobalArgs): Promise<Repo> {
  const repo = await Repo.open(cwdOf(argv));
  await transfers(argv);
  return repo;
}

/** Chunk transfers draw a progress bar (chunks and bytes) on a terminal, and nothing when piped or quiet. */
export async function transfers(argv: GlobalArgs): Promise<void> {
  if (argv.quiet || !process.stderr.isTTY) return;
  const { transferBar } = await import('./progress.js');
  await Repo.onTransfer(transferBar());
}

export function print(text: string): void {
  if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A comma-separated option (`--key a,b`), as a list. */
export const csv = (v: unknown): string[] | undefined =>
  v === undefined
    ? undefined
    : (Array.isArray(v) ? v : [v])
        .flatMap((x) => String(x).split(','))
        .map((s) => s.trim())
        .filter(Boolean);
