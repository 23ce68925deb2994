// Bundles the CLI, after tsc, into one CommonJS file: dist/cli/lakegit.cjs. bin/lakegit runs it
// through src/cli/boot.ts with a V8 code cache, so a quick verb neither resolves ~45 modules nor
// compiles isomorphic-git again (docs/benchmarks.md, "Start-up"). One file rather than ES module
// chunks: Node 20 keeps no code cache for ES modules, and an ES module bundle hoists the imports of
// external packages to its top, loading DuckDB eagerly; CommonJS output keeps every import lazy.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = 'dist/cli';
rmSync(OUT, { recursive: true, force: true }); // the old bundle's code cache goes with it

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: `${OUT}/lakegit.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // yargs is an ES module only and reads its locale files beside itself; DuckDB's bindings are a native
  // addon (its JavaScript API, @duckdb/node-api, ~120 CommonJS modules, is bundled: required one by one
  // it cost ~0.1-0.3 s of CPU to resolve and compile in every command that opens DuckDB); the S3 SDK is
  // large and loaded only by a command that reaches a bucket.
  external: ['yargs', '@duckdb/node-bindings', '@aws-sdk/client-s3'],
  // import() cannot run in a script compiled from a code cache: packages come through require,
  // and yargs through the importer bin/lakegit hands in (src/cli/esm.ts).
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
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
  logLevel: 'warning',
});
