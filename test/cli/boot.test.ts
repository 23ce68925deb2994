import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

const BOOT = pathToFileURL(path.join(ROOT, 'dist', 'src', 'cli', 'boot.js')).href;

/** Runs `file` through the built loader in a fresh process (the cache is written at exit) and returns what it printed. */
const run = (file: string, part = ''): string =>
  spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { runCached } from '${BOOT}'; console.log(runCached(${JSON.stringify(file)}, ${JSON.stringify(part)}).f(6, 3));`,
    ],
    { encoding: 'utf8' },
  ).stdout.trim();

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

  it('each verb has a cache of its own, written by its first run and then reused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lakegit-boot-'));
    const file = path.join(dir, 'm.cjs');
    writeFileSync(file, 'module.exports = { f: (a, b) => a * b };\n');
    expect(run(file, 'status')).toBe('18');
    expect(existsSync(`${file}.status.cache`)).toBe(true);
    expect(existsSync(`${file}.log.cache`)).toBe(false);
    const status = statSync(`${file}.status.cache`).mtimeMs;
    expect(run(file, 'log')).toBe('18');
    const log = statSync(`${file}.log.cache`).mtimeMs;
    expect(run(file, 'status')).toBe('18');
    expect(run(file, 'log')).toBe('18');
    expect(statSync(`${file}.status.cache`).mtimeMs).toBe(status);
    expect(statSync(`${file}.log.cache`).mtimeMs).toBe(log);
  });

  it('a run that fails writes no cache: a usage error compiles little of what the verb runs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lakegit-boot-'));
    const file = path.join(dir, 'm.cjs');
    writeFileSync(file, 'module.exports = { f: (a, b) => { process.exitCode = 2; return a - b; } };\n');
    expect(run(file, 'merge')).toBe('3');
    expect(existsSync(`${file}.merge.cache`)).toBe(false);
  });
});
