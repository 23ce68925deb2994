import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/db.js';
import type { ChunkStore } from '../../store/chunks.js';
import type { Manifest } from '../../table/manifest.js';
import { schemaSignature } from '../../table/schema.js';
import { TableSnapshot } from '../../table/snapshot.js';
import type { CheckSpec } from './config.js';

/**
 * Incremental checking. A row-local check (its verdict on a row depends on that row alone) that
 * the baseline passed can only fail on rows the candidate adds or changes. Those rows are found
 * from the manifests, without reading the unchanged chunks: every changed key lives in a base
 * chunk the baseline does not have or in a change chunk (one the baseline does not have, when no
 * base chunk is new). The relation below is a superset of the
 * changed rows and a subset of the candidate's rows (each with its right values), so counting
 * violations over it gives exactly the full run's count when the baseline had none.
 */
export function changedRowsSql(baseline: Manifest, candidate: Manifest, store: ChunkStore): string | undefined {
  if (schemaSignature(baseline.columns) !== schemaSignature(candidate.columns)) return undefined;
  if (JSON.stringify(baseline.key) !== JSON.stringify(candidate.key)) return undefined;
  const candDeltas = new Set(candidate.deltas.map((d) => d.id));
  // A change chunk the candidate dropped (it was folded or re-chunked away) may hide a change in a
  // shared base chunk: only a full run can tell.
  if (baseline.deltas.some((d) => !candDeltas.has(d.id))) return undefined;
  const baseDeltas = new Set(baseline.deltas.map((d) => d.id));
  const shared = candidate.deltas.filter((d) => baseDeltas.has(d.id)).map((d) => d.id);
  if (JSON.stringify(shared) !== JSON.stringify(baseline.deltas.map((d) => d.id))) return undefined;
  const baseChunks = new Set(baseline.chunks.map((c) => c.id));
  const chunks = candidate.chunks.filter((c) => !baseChunks.has(c.id));
  // With the base chunks all shared and the shared change chunks the oldest, a key no new change
  // chunk names holds the baseline's row, and one it names takes its row from them (each holds
  // whole rows, newest wins): the shared change chunks need not be read. A new base chunk may hold
  // keys a shared change chunk overrides, so then they are all read.
  const sharedFirst = baseline.deltas.every((d, i) => candidate.deltas[i]?.id === d.id);
  const deltas = chunks.length === 0 && sharedFirst ? candidate.deltas.filter((d) => !baseDeltas.has(d.id)) : candidate.deltas;
  return new TableSnapshot({ ...candidate, chunks, deltas }, store).sql();
}

export const ROW_LOCAL = new Set(['not_null', 'accepted_values', 'range']);

/** Identifies a check by what it tests (not by its line), so a recorded pass applies to the same check only. */
export function fingerprint(spec: CheckSpec): string {
  const { line: _line, ...rest } = spec;
  return createHash('sha1').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

interface SqlNode {
  [k: string]: unknown;
}

/**
 * An sql rule is row-local when it is one SELECT over its own table alone, filtering rows with
 * deterministic scalar functions: no join, subquery, aggregate, window, DISTINCT, LIMIT or CTE.
 * Decided on DuckDB's own parse tree; anything unexpected counts as not row-local (full run).
 */
export async function isRowLocalRule(engine: Engine, query: string, table: string): Promise<boolean> {
  const parsed = JSON.parse(String(await engine.value<string>('SELECT json_serialize_sql($1::VARCHAR)', [query]))) as SqlNode;
  if (parsed.error) return false;
  const statements = parsed.statements as { node: SqlNode }[];
  if (statements.length !== 1) return false;
  const node = statements[0].node;
  const from = node.from_table as SqlNode | null;
  if (node.type !== 'SELECT_NODE' || !from || from.type !== 'BASE_TABLE' || from.table_name !== table || from.schema_name) return false;
  if ((node.modifiers as unknown[]).length || (node.group_expressions as unknown[]).length || node.having || node.qualify || node.sample)
    return false;
  if ((node.cte_map as { map: unknown[] }).map.length) return false;
  const functions = new Set<string>();
  let forbidden = false;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const n = v as SqlNode;
    if (n.class === 'SUBQUERY' || n.class === 'WINDOW' || (n.class === 'STAR' && n.columns === true)) forbidden = true;
    if (n.class === 'FUNCTION' && typeof n.function_name === 'string') functions.add(n.function_name.toLowerCase());
    Object.values(n).forEach(walk);
  };
  walk([node.select_list, node.where_clause]);
  if (forbidden) return false;
  for (const name of functions) if (!(await deterministicScalar(engine, name))) return false;
  return true;
}

const scalarCache = new Map<string, boolean>();

async function deterministicScalar(engine: Engine, name: string): Promise<boolean> {
  let ok = scalarCache.get(name);
  if (ok === undefined) {
    const rows = await engine.all('SELECT function_type AS t, stability AS s FROM duckdb_functions() WHERE lower(function_name) = $1', [
      name,
    ]);
    ok = rows.length > 0 && rows.every((r) => (r.t === 'scalar' || r.t === 'macro') && r.s === 'CONSISTENT');
    scalarCache.set(name, ok);
  }
  return ok;
}
