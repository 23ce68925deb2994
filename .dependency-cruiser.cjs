/**
 * The layers (docs/architecture.md): src/cli → src/repo.ts, src/index.ts → src/ops → src/table →
 * src/store, src/engine. Each layer imports only downward; src/errors.ts is a leaf every layer may
 * import. Run by `npm run lint` (scripts/depcruise.mjs), so a violation fails `npm test`.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'No cycles of imports that run (a cycle closed only by `import type` costs nothing at run time). ' +
        'One exception, to be deleted when the `checks` branch lands (issue 13): the cycle through ' +
        'src/ops/gates.ts (commit → gates → checks → blame → commit, and gates ⇄ checks/index), which ' +
        'that branch removes by moving the gates above merge.',
      from: {},
      to: {
        circular: true,
        viaOnly: { pathNot: '^src/ops/gates\\.ts$', dependencyTypesNot: ['type-only'] },
      },
    },
    {
      name: 'cli-uses-the-api',
      severity: 'error',
      comment: 'The CLI is a user of the Repo API: it imports src/index.ts, src/repo.ts, src/errors.ts and itself only.',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: '^src/(cli/|index\\.ts$|repo\\.ts$|errors\\.ts$)' },
    },
    {
      name: 'api-not-cli',
      severity: 'error',
      from: { path: '^src/((index|repo)\\.ts$|repo/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'ops-below-the-api',
      severity: 'error',
      comment: 'Operations do not reach up into the Repo API or the CLI.',
      from: { path: '^src/ops/' },
      to: { path: '^src/(cli/|index\\.ts$|repo\\.ts$|repo/)' },
    },
    {
      name: 'table-below-ops',
      severity: 'error',
      from: { path: '^src/table/' },
      to: { path: '^src/(cli/|ops/|index\\.ts$|repo\\.ts$|repo/)' },
    },
    {
      name: 'store-and-engine-at-the-bottom',
      severity: 'error',
      comment: 'The stores and the engine know nothing of tables, operations or the API; nor of each other.',
      from: { path: '^src/(store|engine)/' },
      to: { path: '^src/(cli/|ops/|table/|index\\.ts$|repo\\.ts$|repo/)' },
    },
    {
      name: 'store-not-engine',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/engine/' },
    },
    {
      name: 'engine-not-store',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'git-objects-only-in-the-store',
      severity: 'error',
      comment:
        "Only src/store/ knows how objects, refs and chunks lie in .lakegit/: isomorphic-git is used there alone, and ops undo writes through the store's journal (withScratch), not by listing its folders.",
      from: { pathNot: '^src/store/' },
      to: { path: 'node_modules/isomorphic-git/' },
    },
    {
      name: 'duckdb-values-only-in-the-engine',
      severity: 'error',
      comment: 'DuckDB is driven through src/engine/ (types may be named anywhere).',
      from: { pathNot: '^src/engine/' },
      to: { path: 'node_modules/@duckdb/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
