import { badInput } from '../../errors.js';
import { openRepo, print, printJson, type GlobalArgs } from '../shared.js';
import { countsLine } from '../render/text.js';
import { shortId } from '../render/color.js';
import { renderRefusal } from '../render/gates.js';
import { builderOf, type CommandSpec } from '../spec.js';

export const command = 'commit';
export const describe = 'record the staged tables';
// Options as data: a commit after `add` runs without loading yargs (~0.15 s of CPU per process; docs/benchmarks.md, "import4").
export const spec: CommandSpec = {
  options: {
    m: { alias: 'message', type: 'string', describe: 'the commit message (required)' },
    a: { alias: 'all', type: 'boolean', describe: 'stage every tracked table first' },
    author: { type: 'string', describe: '"Name <email>"' },
    amend: { type: 'boolean', describe: "replace HEAD with a new commit of the index (keeping HEAD's message unless -m)" },
    'allow-empty': { type: 'boolean', describe: 'record a commit even with nothing staged' },
    verify: { type: 'boolean', default: true, describe: 'run pre-commit checks (--no-verify skips)' },
    'allow-check-changes': {
      type: 'boolean',
      describe: "concluding a merge into a protected branch: let it change the branch's checks (recorded in the commit)",
    },
  },
};
export const builder = builderOf(spec);
export async function handler(
  argv: GlobalArgs & {
    m?: string;
    a?: boolean;
    author?: string;
    allowEmpty?: boolean;
    verify: boolean;
    amend?: boolean;
    allowCheckChanges?: boolean;
  },
): Promise<void> {
  if (!argv.m && !argv.amend) throw badInput('a commit message is required', {}, "pass -m '<message>'");
  const repo = await openRepo(argv);
  const r = await repo.commit({
    message: argv.m ?? '',
    all: argv.a,
    author: argv.author,
    allowEmpty: argv.allowEmpty,
    noVerify: !argv.verify,
    amend: argv.amend,
    allowCheckChanges: argv.allowCheckChanges,
  });
  // A failed check is a result, not an error: --json holds it; text gives the account on stderr. Exit 1.
  process.exitCode = r.status === 'refused' ? 1 : 0;
  if (r.status === 'refused') {
    if (argv.json) printJson(r);
    else process.stderr.write(`${renderRefusal(r.gates)}\n`);
    return;
  }
  if (argv.quiet && !argv.json) return;
  const { changes, message } = await repo.show(r.oid);
  if (argv.json) return printJson({ ...r, changes });
  // lakegit.yaml is configuration, not a table: a commit of only the checks does not say "0 table(s) changed".
  const count = r.tables.length || !r.configChanged ? [` ${r.tables.length} table(s) changed`] : [];
  const stat = [...changes.map((c) => ` ${c.table} ${countsLine(c)}`), ...(r.configChanged ? [' lakegit.yaml (checks) changed'] : [])];
  print([`[${r.branch ?? 'detached HEAD'} ${shortId(r.oid)}] ${message.split('\n')[0]}`, ...count, ...stat].join('\n'));
}

export const examples: [string, string][] = [
  ['commit -m "load orders"', 'record the staged tables'],
  ['commit -am "fix amounts"', 'stage every tracked table, then commit'],
  ['commit -m "fix" --author "CI <ci@example.com>"', 'commit as a named identity'],
];
