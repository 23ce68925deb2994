import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const BOOT = pathToFileURL(path.join(ROOT, 'dist', 'src', 'cli', 'boot.js')).href;

/** Runs `file` through the built loader in a fresh process (the cache is written at exit) and returns what it printed. */
const run = (file: string, part = ''): string =>
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { runCached } from '${BOOT}'; console.log(runCached(${JSON.stringify(file)}, ${JSON.stringify(part)}).f(6, 3));`,
    ],
    { encoding: 'utf8' },
  ).trim();

describe('CLI loader: code cache (src/cli/boot.ts)', () => {
  it('writes the cache once, reuses it, and ignores it for a changed file of the same length', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lakegit-boot-'));
    const file = path.join(dir, 'm.cjs');
    writeFileSync(file, 'module.exports = { f: (a, b) => a + b };\n');
    expect(run(file)).toBe('9');
    const cache = `${file}.cache`;
    const written = statSync(cache).mtimeMs;
    expect(readFileSync(cache).length).toBeGreaterThan(0);
    expect(run(file)).toBe('9');
    expect(statSync(cache).mtimeMs).toBe(written); // accepted, so not rewritten
    // V8 would accept its cache for any source of this length: the loader's key must not.
    writeFileSync(file, 'module.exports = { f: (a, b) => a - b };\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(run(file)).toBe('3');
  });

  it('a verb the cache has not seen writes it again once, recording both verbs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lakegit-boot-'));
    const file = path.join(dir, 'm.cjs');
    writeFileSync(file, 'module.exports = { f: (a, b) => a * b };\n');
    const cache = `${file}.cache`;
    const header = () => readFileSync(cache, 'utf8').split('\n')[1];
    expect(run(file, 'status')).toBe('18');
    expect(header()).toBe('status');
    expect(run(file, 'log')).toBe('18');
    expect(header()).toBe('status,log');
    const written = statSync(cache).mtimeMs;
    expect(run(file, 'status')).toBe('18');
    expect(run(file, 'log')).toBe('18');
    expect(statSync(cache).mtimeMs).toBe(written);
  });
});
