import type { Argv } from 'yargs';
import { Repo } from '../../repo.js';
import { parseUpdates, readStdin } from './pre-receive.js';

/**
 * Run by git as a bare repository's `hooks/post-receive` (installed by `init --bare`), after the
 * refs a push moved have moved: records, as git notes, the checks pre-receive saw the new tips of
 * protected branches pass (src/ops/remote/receive-record.ts). The push has happened whatever this
 * does: a failure is reported to the pusher (stderr, relayed as `remote:` lines), never fatal.
 */
export const command = 'post-receive';
export const describe = false as const;
export const builder = (y: Argv) => y;
export async function handler(): Promise<void> {
  const updates = parseUpdates(await readStdin());
  try {
    const repo = await Repo.openReceiving(process.env.GIT_DIR ?? process.cwd(), process.env);
    for (const r of await repo.recordReceived(updates)) {
      const what = `${r.checks} row-local check(s) of ${r.tables.join(', ')}`;
      process.stderr.write(`lakegit: recorded that ${r.commit.slice(0, 7)} (${r.ref}) passed ${what}\n`);
    }
  } catch (e) {
    process.stderr.write(`lakegit: warning: could not record the passed checks: ${(e as Error).message}\n`);
  }
}
