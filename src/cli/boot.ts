import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { verbWord } from './verb.js';

type Cli = typeof import('./main.js');

/** The CLI bundle scripts/bundle-cli.mjs writes after tsc (this file is dist/src/cli/boot.js). */
const BUNDLE = fileURLToPath(new URL('../../cli/lakegit.cjs', import.meta.url));
const UNBUNDLED = fileURLToPath(new URL('./main.js', import.meta.url));
/** The S3 SDK bundled apart (scripts/bundle-cli.mjs), run on a command's first use of a bucket. */
const S3_SDK = fileURLToPath(new URL('../../cli/s3-sdk.cjs', import.meta.url));

const mtime = (file: string): number | undefined => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * The CLI's `main`, from the bundle when it is there and newer than tsc's output (a bare `tsc` must
 * not leave bin/lakegit running stale code), else from the modules tsc wrote.
 */
export async function loadCli(): Promise<Cli> {
  preferPakoDeflate();
  const bundled = mtime(BUNDLE);
  // bench/trace.ts patches the @duckdb/node-api package, which the bundle carries a copy of: it asks for the modules.
  if (bundled === undefined || bundled < (mtime(UNBUNDLED) ?? 0) || process.env.LAKEGIT_UNBUNDLED === '1') {
    return import('./main.js');
  }
  const verb = verbWord(process.argv.slice(2)) ?? '';
  const cli = runCached(BUNDLE, /^[a-z-]+$/.test(verb) ? verb : '') as Cli;
  if (mtime(S3_SDK) !== undefined) cli.useS3Sdk(() => runCached(S3_SDK, 's3'));
  return cli;
}

/**
 * isomorphic-git deflates every object it writes through the web `CompressionStream` when that global
 * exists (inflating it already does with pako). In Node the global's getter loads the web-streams and
 * fetch internals, and each object then goes through a stream and a `Response`: ~80–100 ms of CPU in
 * every command that writes a commit, against well under a millisecond for pako on our small objects.
 * The CLI owns its process, so it hides the global; nothing else lakegit loads uses it.
 */
function preferPakoDeflate(): void {
  Object.defineProperty(globalThis, 'CompressionStream', { value: undefined, configurable: true, writable: true });
}

/**
 * Runs a CommonJS file compiled with the V8 code cache kept beside it, which saves most of the
 * compile time of the bundle's functions (Node 20 has no `module.enableCompileCache`). A cache
 * holds only the functions the runs that wrote it compiled, so it records which `part` (the verb)
 * each came from: the first run of a verb the cache has not seen writes it again at exit, holding
 * what it loaded from the cache and what it compiled itself.
 */
export function runCached(file: string, part = ''): unknown {
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}.cache`;
  // V8 checks a cache against the source's length only: the bundle's identity is checked here.
  const stat = fs.statSync(file);
  const key = `${stat.size} ${stat.mtimeMs} ${stat.ino}`;
  const cached = readCache(cacheFile, key);
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData: cached?.data });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  if (!cached || script.cachedDataRejected || !cached.parts.includes(part)) {
    const parts = script.cachedDataRejected ? [part] : [...new Set([...(cached?.parts ?? []), part])];
    process.once('exit', () => writeCache(cacheFile, key, parts, script));
  }
  return module.exports;
}

/** The cache file: the bundle's key and the parts that wrote it, a line each, then V8's data. */
function readCache(file: string, key: string): { data: Buffer; parts: string[] } | undefined {
  try {
    const raw = fs.readFileSync(file);
    const first = raw.indexOf(10);
    const second = raw.indexOf(10, first + 1);
    if (first < 0 || second < 0 || raw.subarray(0, first).toString() !== key) return undefined;
    return {
      parts: raw
        .subarray(first + 1, second)
        .toString()
        .split(','),
      data: raw.subarray(second + 1),
    };
  } catch {
    return undefined;
  }
}

/** Best effort, by rename so that concurrent runs never read half a cache; a read-only install just runs uncached. */
function writeCache(file: string, key: string, parts: string[], script: vm.Script): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n${parts.join(',')}\n`), script.createCachedData()]));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
