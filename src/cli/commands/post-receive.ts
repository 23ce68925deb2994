import type { Argv } from 'yargs';
import { Repo } from '../../repo.js';
import { parseUpdates, readStdin } from './pre-receive.js';

/**
 * Run by git as a bare repository's `hooks/post-receive` (installed by `init --bare`), after the
 * refs a push moved have moved: records, as git notes, the checks pre-receive saw the new tips of
 * protected branches pass (src/ops/remote/receive-record.ts). The push has happened whatever this does.
 */
export const command = 'post-receive';
export const describe = false as const;
/** Hidden from the list of verbs, as pre-receive is, but its --help says what it is. */
export const builder = (y: Argv) =>
  y.usage(
    "lakegit post-receive\n\ngit's post-receive hook of a bare lakegit repository: reads '<old> <new> <ref>' lines on stdin and records, as git notes, the checks the new tips of protected branches passed",
  );
export async function handler(): Promise<void> {
  // Silent, even on failure: isomorphic-git's HTTP push cannot parse what a hook prints after git's
  // report of the ref updates (a ParseError for a push that landed). A record not written only
  // costs a later check its incremental run; `lakegit -C <bare> protect <branch>` writes it again.
  try {
    const updates = parseUpdates(await readStdin());
    const repo = await Repo.openReceiving(process.env.GIT_DIR ?? process.cwd(), process.env);
    await repo.recordReceived(updates);
  } catch {
    // nothing recorded; see above
  }
}

export const examples: [string, string][] = [
  ['init --bare /srv/data.git', 'installs hooks/post-receive, which runs this after every push'],
  ['-C /srv/data.git protect main', "records the checks main's tip passes; each accepted push then adds its own"],
];
