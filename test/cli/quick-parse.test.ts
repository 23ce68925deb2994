import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS } from '../../src/cli/main.js';
import { quickParse } from '../../src/cli/spec.js';
import { agrees, type Mod } from './quick-parse-helpers.js';
import * as branch from '../../src/cli/commands/branch.js';
import * as log from '../../src/cli/commands/log.js';
import * as status from '../../src/cli/commands/status.js';

const MODS: Record<string, Mod> = { branch, log, status } as unknown as Record<string, Mod>;

const TOKENS = [
  '-C',
  '/d',
  '--C',
  '--json',
  '--no-json',
  '--color',
  '--no-color',
  '--color=never',
  '--color=bogus',
  '-q',
  '--quiet',
  '--no-C',
  'true',
  'false',
  'x',
  'HEAD~1',
  '-n',
  '20',
  '-n5',
  '--max-count',
  '--max-count=3',
  '--maxCount',
  'abc',
  '-1',
  '--oneline',
  '--key',
  'id=1',
  '--key=id=2',
  '--table',
  'orders',
  '-d',
  '-D',
  '--D',
  '-dD',
  '-m',
  '--delete',
  '--move',
  '--list',
  '--',
  '--help',
  '--version',
  '--json=true',
  'branch',
  'log',
  'status',
  '-qd',
  '-nq',
];

describe('quick argument parser (verbs run without yargs)', () => {
  it('reads the usual command lines', async () => {
    expect(quickParse(['-C', '/d', 'log', '-n', '20'], 'log', log.command, log.spec, GLOBAL_OPTIONS)).toEqual({
      _: ['log'],
      $0: 'lakegit',
      C: '/d',
      n: 20,
      'max-count': 20,
      maxCount: 20,
    });
    expect(quickParse(['branch', 'b1', '-q'], 'branch', branch.command, branch.spec, GLOBAL_OPTIONS)).toEqual({
      _: ['branch'],
      $0: 'lakegit',
      name: 'b1',
      q: true,
      quiet: true,
    });
    for (const line of [
      ['status', 'x'],
      ['log', '-n', 'abc'],
      ['log', '--key', 'a=1', 'HEAD'],
      ['branch', '--list', 'true'],
      ['status', '--help'],
      ['log', '-n', '1', '-n', '2'],
      ['log', '-n', '1.5'],
      ['log', '--color=bogus'],
    ]) {
      expect(quickParse(line, line[0], MODS[line[0]].command, MODS[line[0]].spec, GLOBAL_OPTIONS), line.join(' ')).toBeUndefined();
    }
  });

  for (const verb of Object.keys(MODS)) {
    it(`agrees with yargs on generated ${verb} lines`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 }), fc.nat(6), async (tokens, at) =>
          agrees(verb, MODS[verb], [...tokens.slice(0, at), verb, ...tokens.slice(at)]),
        ),
        { numRuns: 400 },
      );
    });
  }
});
