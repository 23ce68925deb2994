import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../../engine/db.js';
import { quoteIdent } from '../../engine/quote.js';
import { ChunkStore } from '../../store/chunks.js';
import { chunkFresh, workName } from '../../table/changes.js';
import type { TableSnapshot } from '../../table/snapshot.js';
import type { RepoContext } from '../context.js';
import { countChanges, fromSnapshot } from '../diff/rowdiff.js';
import { snapshotOf, type TableTree } from '../tree.js';
import type { HookSpec } from './config.js';
import type { CheckResult } from './report.js';
import { pathWords, repoPath } from '../scripts.js';

export interface HookVars {
  event: string;
  sourceRef: string;
  targetRef: string;
  commit: string;
}

const MAX_OUTPUT = 64 * 1024;

/**
 * Run command hooks in the repository root. They get the LAKEGIT_* variables and, in
 * LAKEGIT_TABLES_JSON, the candidate's Parquet files (compacted, each row once) and its diff
 * against the target. Compacted files go to a temporary folder, so a refused merge adds nothing
 * to the chunk store. A non-zero exit or a timeout blocks.
 *
 * A repository file the command names runs from `scripts`, the copies committed with the
 * lakegit.yaml that applies (a merge's target): the working file is never run. One that exists
 * but was not committed with lakegit.yaml refuses the hook.
 */
export async function runHooks(
  ctx: RepoContext,
  hooks: HookSpec[],
  vars: HookVars,
  candidate: TableTree,
  baseline: TableTree | undefined,
  scripts: Map<string, string> | undefined,
): Promise<CheckResult[]> {
  if (hooks.length === 0) return [];
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-hook-'));
  try {
    const tablesJson = path.join(dir, 'tables.json');
    await fsp.writeFile(tablesJson, `${JSON.stringify(await describeTables(ctx, candidate, baseline, dir), null, 1)}\n`);
    const env = {
      ...process.env,
      LAKEGIT_EVENT: vars.event,
      LAKEGIT_SOURCE_REF: vars.sourceRef,
      LAKEGIT_TARGET_REF: vars.targetRef,
      LAKEGIT_COMMIT: vars.commit,
      LAKEGIT_TABLES_JSON: tablesJson,
      LAKEGIT_ROOT: ctx.root,
    };
    const out: CheckResult[] = [];
    for (const h of hooks) {
      const cmd = await committedCommand(ctx, h.run, scripts, path.join(dir, 'scripts'));
      out.push(typeof cmd === 'string' ? await runOne(ctx.root, { ...h, run: cmd }, env) : refusedHook(h, cmd.uncommitted));
    }
    return out;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function describeTables(ctx: RepoContext, candidate: TableTree, baseline: TableTree | undefined, dir: string) {
  const engine = await ctx.engine();
  const out: Record<string, unknown> = {};
  for (const name of [...candidate.tables.keys()].sort()) {
    const snap = await snapshotOf(ctx, candidate, name);
    const before = baseline?.tables.has(name) ? await snapshotOf(ctx, baseline, name) : undefined;
    const m = snap.manifest;
    out[name] = {
      files: await compactedFiles(ctx, engine, snap, dir),
      rows: m.rows,
      key: m.key,
      columns: m.columns,
      format: m.source.format,
      file: m.source.file,
      diff: await diffOf(engine, before, snap),
    };
  }
  return out;
}

async function diffOf(engine: Engine, before: TableSnapshot | undefined, after: TableSnapshot) {
  if (!before) return { status: 'added', added: after.manifest.rows, removed: 0, modified: 0, schemaChanged: false };
  if (before.manifest === after.manifest) return { status: 'unchanged', added: 0, removed: 0, modified: 0, schemaChanged: false };
  const c = await countChanges(engine, fromSnapshot(before), fromSnapshot(after));
  const changed = c.added + c.removed + c.modified > 0 || c.schemaChanged;
  return { status: changed ? 'modified' : 'unchanged', ...c };
}

/** Base chunks as they are; a snapshot with change chunks is re-chunked (as a fresh `add` would) into `dir`. */
async function compactedFiles(ctx: RepoContext, engine: Engine, snap: TableSnapshot, dir: string): Promise<string[]> {
  const m = snap.manifest;
  if (m.deltas.length === 0) {
    await snap.store.ensure(m.chunks.map((c) => c.id)); // the hook reads them: fetched first in a partial clone
    return snap.basePaths();
  }
  const store = new ChunkStore(path.join(dir, 'chunks'));
  await fsp.mkdir(store.dir, { recursive: true });
  const work = workName('hook');
  await engine.run(`CREATE OR REPLACE TABLE ${quoteIdent(work)} AS ${snap.sql()}`);
  try {
    const fresh = await chunkFresh(engine, store, { work, columns: m.columns, key: m.key, source: m.source, chunking: m.chunking });
    return fresh.chunks.map((c) => store.pathOf(c.id));
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(work)}`);
  }
}

/** The command with each repository script it names replaced by its committed copy (written under `dir`). */
async function committedCommand(
  ctx: RepoContext,
  run: string,
  scripts: Map<string, string> | undefined,
  dir: string,
): Promise<string | { uncommitted: string }> {
  const words = new Set(pathWords(run));
  const parts = run.split(/(\s+)/);
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i].replace(/^['"]|['"]$/g, '');
    const rel = words.has(word) ? repoPath(ctx.root, word) : undefined;
    if (!rel) continue;
    const blob = scripts?.get(rel);
    if (!blob) {
      const st = await fsp.stat(ctx.abs(rel)).catch(() => undefined);
      if (st?.isFile()) return { uncommitted: rel };
      continue;
    }
    const copy = path.join(dir, ...rel.split('/'));
    await fsp.mkdir(path.dirname(copy), { recursive: true });
    await fsp.writeFile(copy, await ctx.git.readBlob(blob), { mode: 0o755 });
    parts[i] = `'${copy.replace(/'/g, `'\\''`)}'`;
  }
  return parts.join('');
}

const refusedHook = (hook: HookSpec, file: string): CheckResult => ({
  table: null,
  check: hook.name,
  kind: 'hook',
  passed: false,
  violations: 1,
  sample: [],
  mode: 'full',
  line: hook.line,
  message: `runs '${file}', which is not committed with this lakegit.yaml (hooks run the committed copy); stage lakegit.yaml again ('lakegit add lakegit.yaml') to commit it`,
});

function runOne(cwd: string, hook: HookSpec, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (b: Buffer) => {
      if (output.length < MAX_OUTPUT) output += b.toString('utf8');
    };
    // Its own process group, so a timeout ends the hook and everything it started.
    const child = spawn('sh', ['-c', hook.run], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, hook.timeoutMs);
    const done = (code: number | null, message?: string) => {
      clearTimeout(timer);
      const passed = !timedOut && code === 0;
      resolve({
        table: null,
        check: hook.name,
        kind: 'hook',
        passed,
        violations: passed ? 0 : 1,
        sample: [],
        mode: 'full',
        line: hook.line,
        output: output.length > MAX_OUTPUT ? `${output.slice(0, MAX_OUTPUT)}\n[output cut]` : output,
        ...(passed ? {} : { message: timedOut ? `timed out after ${hook.timeoutMs / 1000} s` : (message ?? `exited with ${code}`) }),
      });
    };
    child.on('error', (e) => done(null, `cannot run: ${e.message}`));
    child.on('close', (code, signal) => done(code, signal ? `killed by ${signal}` : undefined));
  });
}
