import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, TEST_ENV } from '../helpers.js';
import { newRepo } from './core-helpers.js';

/** `script` (util-linux) runs the CLI on a pseudo-terminal, where progress bars are drawn. */
const onTerminal = (cwd: string, args: string[]): string =>
  execFileSync('script', ['-qec', [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], {
    cwd,
    env: { ...process.env, ...TEST_ENV, LAKEGIT_PROGRESS_AFTER_MS: '0' },
    encoding: 'utf8',
  });

describe('progress', () => {
  it('add on a terminal draws a bar with a percentage, rows and an ETA; piped output has none', async () => {
    await using repo = await newRepo({ 't.csv': `id,v\n${Array.from({ length: 100_000 }, (_, i) => `${i},x${i}`).join('\n')}\n` });
    const shown = onTerminal(repo.dir, ['add', 't.csv', '--key', 'id']).replace(/\r/g, '\n');
    expect(shown).toMatch(/chunking t \[[█░]+\] 100% \| 100,000\/100,000 rows \| ETA \d+s/);
    await repo.write('t.csv', `id,v\n${Array.from({ length: 100_000 }, (_, i) => `${i},y${i}`).join('\n')}\n`);
    const r = await repo.runEnv({ LAKEGIT_PROGRESS_AFTER_MS: '0' }, 'add', 't.csv');
    expect(r.stderr).not.toContain('rows |');
  }, 120_000);
});
