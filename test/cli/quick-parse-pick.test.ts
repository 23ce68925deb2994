import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS } from '../../src/cli/main.js';
import { quickParse } from '../../src/cli/spec.js';
import { agrees, type Mod } from './quick-parse-helpers.js';
import * as checkout from '../../src/cli/commands/checkout.js';
import * as cherryPick from '../../src/cli/commands/cherry-pick.js';
import * as revert from '../../src/cli/commands/revert.js';

/** `revert`, `cherry-pick` and `checkout` (and its alias `switch`) run without yargs too (docs/benchmarks.md, helper `revert5`). */
const MODS: Record<string, Mod> = { revert, 'cherry-pick': cherryPick, checkout, switch: checkout } as unknown as Record<string, Mod>;

const TOKENS = [
  ...['-C', '/d', '--json', '--no-json', '--color', '--no-color', '--color=never', '-q', '--quiet', 'true', 'false', 'x', 'HEAD~1', '--'],
  ...['--commit', '--no-commit', '-m', '--message', '--message=1', '1', '0', '2', 'msg', '--mainline', '--mainline=0', '--mainline=2'],
  ...['--strategy', 'ours', 'theirs', '--strategy=bogus', '--continue', '--abort', '--verify', '--no-verify', '--author', 'A <a@x>'],
  ...['--edit', '--no-edit', '--edit=false', '-b', '-c', '-f', '--force', '--no-force', '-fq', '--help', '--version', 'revert', 'checkout'],
];

const quick = (line: string[]) => quickParse(line, line[0], MODS[line[0]].command, MODS[line[0]].spec, GLOBAL_OPTIONS);

describe('quick argument parser: revert, cherry-pick, checkout', () => {
  it('reads the usual lines, with yargs defaults, and leaves the rest to yargs', () => {
    expect(quick(['revert', 'HEAD'])).toEqual({ _: ['revert'], $0: 'lakegit', rev: 'HEAD', commit: true, verify: true, edit: false });
    expect(quick(['revert', 'HEAD', '--no-commit', '--no-verify', '--no-edit', '-m', '1'])).toMatchObject({
      commit: false,
      verify: false,
      edit: false,
      m: '1',
      message: '1',
    });
    expect(quick(['cherry-pick', 'abc', '--mainline', '2', '--strategy', 'theirs'])).toMatchObject({ mainline: 2, strategy: 'theirs' });
    expect(quick(['switch', 'main', '-f'])).toEqual({ _: ['switch'], $0: 'lakegit', target: 'main', f: true, force: true });
    for (const line of [
      ['revert', '--mainline', '0'],
      ['revert', '--mainline=1.5'],
      ['revert', '--strategy', 'bogus'],
      ['revert', 'HEAD', 'HEAD~1'],
      ['revert', 'HEAD', '--commit', 'true'],
      ['checkout', 'a', 'b', 'c'],
      ['checkout', '--help'],
    ])
      expect(quick(line), line.join(' ')).toBeUndefined();
  });

  for (const verb of Object.keys(MODS)) {
    it(`agrees with yargs on generated ${verb} lines`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 }), fc.nat(6), async (tokens, at) =>
          agrees(verb, MODS[verb], [...tokens.slice(0, at), verb, ...tokens.slice(at)]),
        ),
        { numRuns: 120, seed: 15_0515 },
      );
    });
  }
});
