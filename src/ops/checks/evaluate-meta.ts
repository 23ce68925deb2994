import type { Engine, JsonRow } from '../../engine/db.js';
import { diffSchemas } from '../../table/schema.js';
import { countChanges, fromSnapshot } from '../diff/rowdiff.js';
import type { CheckSpec } from './config.js';
import type { TableEnv } from './evaluate.js';

interface Outcome {
  violations: number;
  sample: JsonRow[];
  message?: string;
}
type MetaSpec = Extract<CheckSpec, { kind: 'row_count' | 'max_change' | 'schema' }>;

/** Checks on the table as a whole: its size, how much it changed, its schema. The manifests answer most of it. */
export async function evaluateMeta(engine: Engine, t: TableEnv, spec: MetaSpec): Promise<Outcome> {
  switch (spec.kind) {
    case 'row_count': {
      const rows = t.snapshot.manifest.rows;
      const bad = (spec.min !== undefined && rows < spec.min) || (spec.max !== undefined && rows > spec.max);
      const bounds = { ...(spec.min !== undefined ? { min: spec.min } : {}), ...(spec.max !== undefined ? { max: spec.max } : {}) };
      return bad ? { violations: 1, sample: [{ rows, ...bounds }], message: `${rows} row(s)` } : { violations: 0, sample: [] };
    }
    case 'max_change':
      return maxChange(engine, t, spec);
    case 'schema':
      return schema(t, spec);
  }
}

async function maxChange(engine: Engine, t: TableEnv, spec: Extract<CheckSpec, { kind: 'max_change' }>): Promise<Outcome> {
  const before = t.baseline;
  // A new table has nothing to change relative to; its size is row_count's business.
  if (!before || before.manifest === t.snapshot.manifest) return { violations: 0, sample: [] };
  const c = await countChanges(engine, fromSnapshot(before), fromSnapshot(t.snapshot));
  const changed = c.added + c.removed + c.modified;
  const limit = spec.percent ? (before.manifest.rows * spec.limit) / 100 : spec.limit;
  const stats = {
    added: c.added,
    removed: c.removed,
    modified: c.modified,
    changed,
    limit: spec.percent ? `${spec.limit}%` : spec.limit,
    baseRows: before.manifest.rows,
  };
  if (changed <= limit) return { violations: 0, sample: [] };
  return { violations: changed, sample: [stats], message: `${changed} row(s) changed, more than ${stats.limit}` };
}

function schema(t: TableEnv, spec: Extract<CheckSpec, { kind: 'schema' }>): Outcome {
  const sample: JsonRow[] = [];
  const now = t.snapshot.columnNames;
  for (const c of spec.required) if (!now.includes(c)) sample.push({ column: c, problem: 'required column missing' });
  if (t.baseline) {
    const d = diffSchemas(t.baseline.columns, t.snapshot.columns);
    if (!spec.allowDrop) for (const c of d.removed) sample.push({ column: c.name, problem: 'dropped', from: c.type });
    if (!spec.allowTypeChange) for (const c of d.changed) sample.push({ column: c.name, problem: 'type changed', from: c.from, to: c.to });
  }
  return { violations: sample.length, sample: sample.slice(0, 10) };
}
