import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

type Cli = typeof import('./main.js');

/** The CLI bundle scripts/bundle-cli.mjs writes after tsc (this file is dist/src/cli/boot.js). */
const BUNDLE = fileURLToPath(new URL('../../cli/lakegit.cjs', import.meta.url));
const UNBUNDLED = fileURLToPath(new URL('./main.js', import.meta.url));

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
  const bundled = mtime(BUNDLE);
  if (bundled === undefined || bundled < (mtime(UNBUNDLED) ?? 0)) {
    return import('./main.js');
  }
  const cli = runCached(BUNDLE) as Cli;
  cli.setImporter((specifier) => import(specifier));
  return cli;
}

/**
 * Runs a CommonJS file compiled with the V8 code cache kept beside it, which saves most of the
 * compile time of the bundle's functions (Node 20 has no `module.enableCompileCache`). The cache is
 * written when the process exits, so it holds the functions this run compiled, lazy ones included.
 */
export function runCached(file: string): unknown {
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = `${file}.cache`;
  // V8 checks a cache against the source's length only: the bundle's identity is checked here.
  const stat = fs.statSync(file);
  const key = Buffer.from(`${stat.size} ${stat.mtimeMs} ${stat.ino}\n`);
  const cached = readCache(cacheFile, key);
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData: cached });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file));
  if (!cached || script.cachedDataRejected) process.once('exit', () => writeCache(cacheFile, key, script));
  return module.exports;
}

function readCache(file: string, key: Buffer): Buffer | undefined {
  try {
    const data = fs.readFileSync(file);
    return data.subarray(0, key.length).equals(key) ? data.subarray(key.length) : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort, by rename so that concurrent runs never read half a cache; a read-only install just runs uncached. */
function writeCache(file: string, key: Buffer, script: vm.Script): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([key, script.createCachedData()]));
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
