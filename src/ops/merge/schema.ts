import type { Column } from '../../table/schema.js';
import { mergeValue, settle, type Strategy } from './policy.js';

/** A column both sides changed differently (added with two types, dropped vs re-typed, …). */
export interface ColumnConflict {
  column: string;
  base: string | null;
  ours: string | null;
  theirs: string | null;
}

/**
 * A column whose schema one side changed (dropped or re-typed) while the other kept it: the other
 * side's value changes in it must survive the change, or the merge reports a conflict.
 */
export interface GuardedColumn {
  column: string;
  keeper: 'ours' | 'theirs';
  baseType: string;
  newType: string | null;
}

export interface SchemaMerge {
  columns: Column[];
  conflicts: ColumnConflict[];
  guarded: GuardedColumn[];
}

type Types = Map<string, string>;
const typesOf = (cols: readonly Column[] | undefined): Types => new Map((cols ?? []).map((c) => [c.name, c.type]));

/**
 * Column-level three-way merge with the same policy as cells: a column's type (or its absence) is
 * the value. Column order is ours', then columns only theirs has, in theirs' order. Names in
 * `forced` are conflicts whatever their types say (see GuardedColumn).
 */
export function mergeSchemas(
  base: readonly Column[] | undefined,
  ours: readonly Column[],
  theirs: readonly Column[],
  strategy: Strategy,
  forced: ReadonlySet<string> = new Set(),
): SchemaMerge {
  const [b, o, t] = [typesOf(base), typesOf(ours), typesOf(theirs)];
  const names = [...new Set([...ours.map((c) => c.name), ...theirs.map((c) => c.name), ...(base ?? []).map((c) => c.name)])];
  const chosen = new Map<string, string | null>();
  const conflicts: ColumnConflict[] = [];
  const guarded: GuardedColumn[] = [];
  for (const name of names) {
    const [tb, to, tt] = [b.get(name) ?? null, o.get(name) ?? null, t.get(name) ?? null];
    // A guarded column whose other side's values would be lost is a conflict like any other.
    const pick = forced.has(name) ? 'conflict' : mergeValue(to !== tb, tt !== tb, to === tt);
    if (pick === 'conflict') conflicts.push({ column: name, base: tb, ours: to, theirs: tt });
    const side = pick === 'conflict' ? settle(strategy) : pick;
    chosen.set(name, side === 'theirs' ? tt : side === 'base' ? tb : to);
    // Guarded only where the other side kept the base's type: both dropping (or re-typing) a column alike loses nothing.
    const kept = pick === 'ours' ? tt : to;
    if (tb !== null && (pick === 'ours' || pick === 'theirs') && kept === tb) {
      guarded.push({ column: name, keeper: pick === 'ours' ? 'theirs' : 'ours', baseType: tb, newType: pick === 'ours' ? to : tt });
    }
  }
  const order = [...ours.map((c) => c.name), ...theirs.map((c) => c.name).filter((n) => !o.has(n))];
  const columns = order.filter((n) => chosen.get(n)).map((n) => ({ name: n, type: chosen.get(n)! }));
  return { columns, conflicts, guarded };
}

export const sameColumns = (a: readonly Column[], b: readonly Column[]): boolean =>
  a.length === b.length && a.every((c, i) => c.name === b[i].name && c.type === b[i].type);
