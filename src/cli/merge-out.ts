import type { MergeResult } from '../index.js';
import { anyFailed, renderRefusal } from './render/gates.js';
import { renderMerge } from './render/merge.js';
import { print, printJson, type GlobalArgs } from './shared.js';

/**
 * Print a merge, revert or cherry-pick result in the format asked for. Conflicts and failed gates
 * are results: `--json` holds them; text shows them, the refusal's account on stderr. Exit 1 for either.
 */
export function printMergeResult(argv: GlobalArgs, r: MergeResult): void {
  const refused = anyFailed(r.gates);
  if (argv.json) printJson(r);
  else {
    if (!argv.quiet || r.conflicts.length || refused) print(renderMerge(r));
    if (refused) process.stderr.write(`${renderRefusal(r.gates)}\n`);
  }
  process.exitCode = r.conflicts.length || refused ? 1 : 0;
}
