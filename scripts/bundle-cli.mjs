// Bundles the CLI, after tsc, into one CommonJS file: dist/cli/lakegit.cjs. bin/lakegit runs it
// through src/cli/boot.ts with a V8 code cache, so a quick verb neither resolves ~45 modules nor
// compiles isomorphic-git again (docs/benchmarks.md, "Start-up"). One file rather than ES module
// chunks: Node 20 keeps no code cache for ES modules, and an ES module bundle hoists the imports of
// external packages to its top, loading DuckDB eagerly; CommonJS output keeps every import lazy.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/cli';

/**
 * string-width makes an `Intl.Segmenter` (the first in a process loads ICU's break data) and compiles
 * its Unicode property patterns when it loads: ~30 ms of CPU in every process that loads it, through
 * yargs (cliui) or src/cli/render/width.ts, though most only ever measure ASCII (width.ts counts that
 * itself) or nothing (yargs measures only to lay out help). Each ES module's import of it is, in the
 * bundle, a function that requires it (esbuild leaves an ES module required so uninitialised until
 * then) on first use. cli-progress requires an older, CommonJS, string-width: left as it is.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) =>
      args.kind === 'import-statement'
        ? { path: `${path.dirname(args.importer)}/string-width`, namespace: 'lazy-string-width' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: "let measure; module.exports = (s, o) => (measure ??= require('string-width').default)(s, o);",
      resolveDir: path.dirname(args.path), // the importer's directory: its own version of string-width
      loader: 'js',
    }));
  },
};

/**
 * yargs' platform shim finds its locale files (and, for `.version()`, the package.json above its
 * node_modules) from its own `import.meta.url`, which in the bundle would be the bundle's: it is
 * given the URL of the installed file instead, resolved where the bundle runs.
 */
const yargsShimUrl = {
  name: 'yargs-shim-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', '__yargsShimUrl()'),
      loader: 'js',
    }));
  },
};

rmSync(OUT, { recursive: true, force: true }); // the old bundle's code cache goes with it

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: `${OUT}/lakegit.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // DuckDB's bindings are a native addon (its JavaScript API, @duckdb/node-api, ~120 CommonJS modules, is
  // bundled: required one by one it cost ~0.1-0.3 s of CPU to resolve and compile in every command that
  // opens DuckDB); the S3 SDK is large and loaded only by a command that reaches a bucket. yargs (ES
  // modules only: ~40 ms of CPU to compile them uncached in every command it parses) is bundled too.
  external: ['@duckdb/node-bindings', '@aws-sdk/client-s3'],
  plugins: [lazyStringWidth, yargsShimUrl],
  // Every process reads the whole file (and V8 scans what the code cache lacks): without blanks and
  // comments it is 1.7 MB, not 2.4, and a start ~5% cheaper. Names are kept, for LAKEGIT_DEBUG's stacks.
  minifyWhitespace: true,
  // import() cannot run in a script compiled from a code cache: external packages come through require.
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: {
    js: [
      "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
      // yargs exports no path but its package.json and entry points: its shim's file is found from the first.
      "const __yargsShimUrl = () => require('node:url').pathToFileURL(require('node:path').join(require.resolve('yargs/package.json'), '../lib/platform-shims/esm.mjs')).href;",
    ].join('\n'),
  },
  logLevel: 'warning',
});

// The S3 SDK in a file of its own (~300 CommonJS modules: resolving and compiling them one by one cost
// every push, fetch and clone to a bucket ~0.1 s of CPU and far more wall time reading files on a busy
// machine), which src/cli/boot.ts runs through the same V8 code cache on a command's first use of a bucket.
await build({
  stdin: { contents: "module.exports = require('@aws-sdk/client-s3');", resolveDir: '.', loader: 'js' },
  outfile: `${OUT}/s3-sdk.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  supported: { 'dynamic-import': false },
  minifyWhitespace: true,
  logLevel: 'warning',
});
