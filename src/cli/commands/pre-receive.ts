import type { Argv } from 'yargs';
import { badInput } from '../../errors.js';
import { Repo } from '../../repo.js';
import type { ReceiveVerdict } from '../../index.js';

/**
 * Run by git as a bare repository's `hooks/pre-receive` (installed by `init --bare`): reads git's
 * `<old> <new> <ref>` lines on stdin and exits 1 to refuse the whole push. Everything it prints
 * goes to stderr, which git relays to the pusher as `remote:` lines. Not a verb for people.
 */
export const command = 'pre-receive';
export const describe = false as const;
/** Hidden from the list of verbs, but its --help says what it is (describe: false leaves it no purpose line). */
export const builder = (y: Argv) =>
  y.usage(
    "lakegit pre-receive\n\ngit's pre-receive hook of a bare lakegit repository: reads '<old> <new> <ref>' lines on stdin and refuses (exit 1) a push to a protected branch whose checks fail",
  );
export async function handler(): Promise<void> {
  const updates = parseUpdates(await readStdin());
  const repo = await Repo.openReceiving(process.env.GIT_DIR ?? process.cwd(), process.env);
  const verdicts = await repo.judgePush(updates);
  const refused = verdicts.filter((v) => !v.accepted);
  for (const v of verdicts.filter((x) => x.protected)) process.stderr.write(`${render(v)}\n`);
  if (refused.length) {
    process.stderr.write(`lakegit: push refused: ${refused.length} update(s) of protected refs failed (nothing was changed)\n`);
    process.exitCode = 1;
  } else {
    await repo.stagePasses(updates, verdicts); // post-receive records them once the refs have moved
  }
}

function render(v: ReceiveVerdict): string {
  const lines: string[] = [];
  if (v.accepted) {
    lines.push(
      `lakegit: '${v.branch}' is protected here: ${v.report ? `${v.report.checks.length} check(s) of ${v.report.config} passed` : v.reason}`,
    );
  } else {
    lines.push(`lakegit: error: ${v.reason}`);
    if (v.summary) lines.push(v.summary);
  }
  for (const p of v.policy) {
    lines.push(
      `lakegit: ${p.commit.slice(0, 7)} changes the checks (${p.changed.join(', ')})${p.allowedBy ? `, allowed by ${p.allowedBy}` : ''}`,
    );
  }
  if (!v.accepted && v.hint) lines.push(`hint: ${v.hint}`);
  return lines.join('\n');
}

export function parseUpdates(text: string) {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) (\S+)$/.exec(line.trim());
      if (!m) throw badInput(`cannot read the ref update '${line}'`);
      return { old: m[1], new: m[2], ref: m[3] };
    });
}

export async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export const examples: [string, string][] = [
  ['init --bare /srv/data.git', 'installs hooks/pre-receive, which runs this on every push'],
  ['protect main', 'then pushes to main must pass its pre-merge checks here'],
];
