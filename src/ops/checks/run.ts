import type { Engine } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import type { RepoContext } from '../context.js';
import { readTablesOfTree, snapshotOf, tablesTreeOid, type TableTree } from '../tree.js';
import { ConfigReader, type ChecksConfig, type CheckSpec, type HookEvent } from './config.js';
import { evaluate, incremental, type EvalEnv, type TableEnv } from './evaluate.js';
import { runHooks, type HookVars } from './hooks.js';
import { changedRowsSql, fingerprint, isRowLocalRule } from './incremental.js';
import { passedAt, readPasses, type PassNote } from './notes.js';
import type { CheckEvent, CheckReport, CheckResult } from './report.js';
import { validateSpecs } from './validate.js';

/** What to check, against what, with which lakegit.yaml. */
export interface RunInput {
  event: CheckEvent;
  /** The lakegit.yaml blob, and the tree it was committed (or staged) with: names are validated there. */
  config?: string;
  configTree: TableTree;
  origin: string;
  candidate: TableTree;
  candidateCommit?: string;
  /** The target of a merge, or the parent of a commit: what max_change, schema and incremental mode compare with. */
  baseline?: { tree: TableTree; commit?: string; treeOid?: string; remote?: string };
  into?: string;
  full?: boolean;
  hooks?: HookVars;
  /** Tables the candidate holds under a new name (old → new): their checks follow them. */
  renames?: Map<string, string>;
}

export interface RunOutput {
  report: CheckReport;
  passes: PassNote['tables'];
}

/**
 * A commit as the baseline of a run: its tables, and its id and tree id, the two places a passing
 * run may have been noted (a gate that passes before its commit exists notes the tree); with
 * `remote`, the passes that remote recorded count too (notes.ts: the remote guarding the target).
 */
export async function baselineAt(ctx: RepoContext, commit: string | undefined, remote?: string): Promise<RunInput['baseline']> {
  if (!commit) return undefined;
  const tree = (await ctx.git.readCommit(commit)).tree;
  return { tree: await readTablesOfTree(ctx, tree), commit, treeOid: await tablesTreeOid(ctx, tree), remote };
}

export async function loadConfig(
  ctx: RepoContext,
  blob: string | undefined,
  origin: string,
): Promise<{ config: ChecksConfig; reader: ConfigReader }> {
  const reader = new ConfigReader(origin);
  return { reader, config: blob ? reader.parse(await ctx.git.readText(blob)) : { checks: [], hooks: [] } };
}

const hookEvent = (e: CheckEvent): HookEvent => (e === 'pre-merge' ? 'pre-merge' : 'pre-commit');

/** Run the checks and hooks of one lakegit.yaml over a candidate tree; misconfiguration throws (exit 2). */
export async function runChecks(ctx: RepoContext, input: RunInput): Promise<RunOutput> {
  const { config, reader } = await loadConfig(ctx, input.config, input.origin);
  const hooks = config.hooks.filter((h) => h.event === hookEvent(input.event));
  const report: CheckReport = {
    rev: input.candidateCommit ?? null,
    event: input.event,
    config: input.origin,
    target: input.baseline?.commit,
    ...(input.into ? { into: input.into } : {}),
    passed: true,
    checks: [],
  };
  const passes: PassNote['tables'] = {};
  if (config.checks.length === 0 && hooks.length === 0) return { report, passes };
  const engine = await ctx.engine();
  const fail = (line: number, message: string, hint?: string): never => reader.fail(line, message, hint);
  await validateSpecs(ctx, engine, config, input.configTree, fail);
  const tables = await tableEnvs(ctx, input);
  const aliases = [...(input.renames ?? [])].filter(([from, to]) => !tables.has(from) && tables.has(to));
  // Created when a check first reads them: binding a view reads every chunk's footer, which in a
  // partial clone means fetching every chunk, and an incremental run may need none of them.
  let created: Promise<void> | undefined;
  const views = () => (created ??= createViews(engine, tables, aliases));
  try {
    const env: EvalEnv = { engine, tables, full: !!input.full, fail, rowLocalRule: memoRule(engine), views, viewsCreated: () => !!created };
    const missing = new Set<string>();
    for (const written of config.checks) {
      const spec = followRenames(written, aliases);
      if (!tables.has(spec.table)) {
        if (!missing.has(spec.table)) report.checks.push(absent(spec));
        missing.add(spec.table);
        continue;
      }
      const r = await evaluate(env, spec);
      if (spec !== written && !r.message) r.message = `checks of '${written.table}' follow its rename to '${spec.table}'`;
      report.checks.push(r);
      if (r.passed && (await incremental(env, spec))) {
        const blob = input.candidate.tables.get(spec.table)!;
        (passes[spec.table] ??= { manifest: blob, passed: [] }).passed.push(fingerprint(spec));
      }
    }
  } finally {
    await dropViews(engine, tables, aliases);
  }
  if (input.hooks)
    report.checks.push(...(await runHooks(ctx, hooks, input.hooks, input.candidate, input.baseline?.tree, input.configTree.scripts)));
  report.passed = report.checks.every((c) => c.passed);
  return { report, passes };
}

const absent = (spec: CheckSpec): CheckResult => ({
  table: spec.table,
  check: 'exists()',
  kind: 'exists',
  passed: false,
  violations: 1,
  sample: [],
  mode: 'full',
  line: spec.line,
  message: `table '${spec.table}' is missing from the candidate, so its checks cannot pass`,
});

/** A check of a renamed table (or naming one as its foreign key's parent) as a check of its new name. */
function followRenames(spec: CheckSpec, aliases: [string, string][]): CheckSpec {
  const to = new Map(aliases);
  const table = to.get(spec.table);
  const ref = spec.kind === 'foreign_keys' ? to.get(spec.refTable) : undefined;
  if (!table && !ref) return spec;
  return { ...spec, ...(table ? { table } : {}), ...(ref ? { refTable: ref } : {}) } as CheckSpec;
}

async function tableEnvs(ctx: RepoContext, input: RunInput): Promise<Map<string, TableEnv>> {
  const note =
    input.baseline && !input.full
      ? await readPasses(ctx, [input.baseline.commit, input.baseline.treeOid], input.baseline.remote)
      : undefined;
  const out = new Map<string, TableEnv>();
  const oldName = new Map([...(input.renames ?? [])].map(([from, to]) => [to, from]));
  for (const name of input.candidate.tables.keys()) {
    const snapshot = await snapshotOf(ctx, input.candidate, name);
    const baseTree = input.baseline?.tree;
    const was = oldName.get(name) ?? name; // a renamed table is compared with what it was
    const baseline = baseTree?.tables.has(was) ? await snapshotOf(ctx, baseTree, was) : undefined;
    out.set(name, {
      name,
      snapshot,
      baseline,
      same: !!baseline && baseTree!.tables.get(was) === input.candidate.tables.get(name),
      changed: baseline ? changedRowsSql(baseline.manifest, snapshot.manifest, ctx.chunks) : undefined,
      passed: was === name ? passedAt(note, name, baseTree?.tables.get(name)) : new Set<string>(),
    });
  }
  return out;
}

/** sql rules name tables by name: each table is a temp view over the candidate's rows while checks run. */
/** A renamed table is also a view under its old name, for the sql rules written against it. */
async function createViews(engine: Engine, tables: Map<string, TableEnv>, aliases: [string, string][]): Promise<void> {
  for (const t of tables.values()) await engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(t.name)} AS ${t.snapshot.sql()}`);
  for (const [from, to] of aliases)
    await engine.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(from)} AS ${tables.get(to)!.snapshot.sql()}`);
}

async function dropViews(engine: Engine, tables: Map<string, TableEnv>, aliases: [string, string][]): Promise<void> {
  for (const name of [...tables.keys(), ...aliases.map(([from]) => from)]) await engine.run(`DROP VIEW IF EXISTS temp.${quoteIdent(name)}`);
}

function memoRule(engine: Engine): EvalEnv['rowLocalRule'] {
  const memo = new Map<string, Promise<boolean>>();
  return (spec) => {
    const k = `${spec.table}\u0000${spec.query}`;
    if (!memo.has(k)) memo.set(k, isRowLocalRule(engine, spec.query, spec.table));
    return memo.get(k)!;
  };
}
