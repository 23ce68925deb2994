import type { Argv } from 'yargs';
import { openRepo, type GlobalArgs } from '../shared.js';
import { renderShow } from '../render/log.js';
import { Out } from '../render/diff-out.js';
import { renderJson } from '../render/diff-json.js';
import { renderTable } from '../render/diff-table.js';
import { wholeNumber } from '../spec.js';

export const command = 'show [rev]';
export const describe = 'show a commit and its row changes';
export const builder = (y: Argv) =>
  y
    .positional('rev', { type: 'string', default: 'HEAD', describe: 'the commit to show' })
    .option('stat', { type: 'boolean', describe: 'per-table counts only, not the rows' })
    .option('limit', wholeNumber('--limit', 'at most this many rows per table'));

/** As `git show`: the commit, then its change against its first parent (row by row, or counts with --stat). */
export async function handler(argv: GlobalArgs & { rev: string; stat?: boolean; limit?: number }): Promise<void> {
  const repo = await openRepo(argv);
  const r = await repo.show(argv.rev);
  const out = new Out();
  if (argv.json) {
    const entry = JSON.stringify(r);
    await out.write(`${entry.slice(0, -1)},"diff":`);
    await renderJson(await repo.diff({ commit: r.commit }), out, argv.stat ? 'stat' : 'rows', argv.limit);
    await out.write('}\n');
  } else {
    await out.line(renderShow(r, !argv.stat));
    if (!argv.stat && r.changes.length) {
      await out.line('');
      await renderTable(await repo.diff({ commit: r.commit }), out, argv.limit);
    }
  }
  await out.flush();
}

export const examples: [string, string][] = [
  ['show HEAD~1', 'a commit and its row changes'],
  ['show main --stat', 'a commit and its per-table counts only'],
  ['show v1.0 --json', 'the commit and its rows as JSON (the diff --json shape under "diff")'],
];
