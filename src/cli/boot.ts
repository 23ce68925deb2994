import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { ALL_COMMANDS, verbOf } from './verb.js';

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
  const args = process.argv.slice(2);
  const verb = verbOf(args) ?? '';
  // Help, --version and mistyped verbs share one cache (a file per word typed would never end), and
  // a verb's help must not stand for the verb: it compiles yargs' help, not the verb's work.
  const help = args.includes('--help') || args.includes('-h');
  const cli = runCached(BUNDLE, ALL_COMMANDS.includes(verb) && !help ? verb : '') as Cli;
  if (mtime(S3_SDK) !== undefined) cli.useS3Sdk(() => runCached(S3_SDK));
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
 * holds the functions the run that wrote it compiled, and V8 deserialises all of it before the
 * script runs, so each `part` (the verb) has a cache of its own: one shared by every verb grew to
 * ~2 MB and cost a `status`, which needs ~0.7 MB of it, ~20 ms more. A part's first run to succeed
 * writes it at exit: one that stops at a usage error compiles little of what the verb runs.
 */
export function runCached(file: string, part = ''): unknown {
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}${part ? `.${part}` : ''}.cache`;
  // V8 checks a cache against the source's length only: the bundle's identity is checked here.
  const stat = fs.statSync(file);
  const key = `${stat.size} ${stat.mtimeMs} ${stat.ino}`;
  const cached = readCache(cacheFile, key);
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData: cached });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  if (!cached || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code === 0) writeCache(cacheFile, key, script);
    });
  }
  return module.exports;
}

/** The cache file: the bundle's key on a line, then V8's data. */
function readCache(file: string, key: string): Buffer | undefined {
  try {
    const raw = fs.readFileSync(file);
    const first = raw.indexOf(10);
    return first >= 0 && raw.subarray(0, first).toString() === key ? raw.subarray(first + 1) : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort, by rename so that concurrent runs never read half a cache; a read-only install just runs uncached. */
function writeCache(file: string, key: string, script: vm.Script): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
