/**
 * The algebra of a three-way merge, written down once. Every merge, revert and cherry-pick decides
 * each table, column, row and cell with these functions; the SQL that applies them to millions of
 * rows is generated from them (`decisionSql`), so the policy cannot drift between the two.
 */

/** Which version a three-way decision keeps. `base` means neither side changed it. */
export type Pick = 'base' | 'ours' | 'theirs' | 'conflict';
/** A row changed on both sides to different present rows is decided cell by cell. */
export type RowPick = Pick | 'cells';
/** How conflicts are settled: recorded (`undefined`, the working copy shows ours) or taken from one side. */
export type Strategy = 'ours' | 'theirs' | undefined;

/**
 * The whole policy for one value (a cell, a column's type, a table's name or manifest):
 * one side changed → that side; both changed alike → clean; both changed differently → conflict.
 */
export function mergeValue(oursChanged: boolean, theirsChanged: boolean, sameChange: boolean): Pick {
  switch (`${oursChanged}-${theirsChanged}`) {
    case 'false-false':
      return 'base';
    case 'true-false':
      return 'ours';
    case 'false-true':
      return 'theirs';
    default:
      return sameChange ? 'ours' : 'conflict';
  }
}

export interface RowFacts {
  oursChanged: boolean; // ours' row (or its absence) differs from base's
  theirsChanged: boolean;
  sameChange: boolean; // ours and theirs are the same row, or both absent
  oursPresent: boolean;
  theirsPresent: boolean;
}

/**
 * A row by key: as `mergeValue`, except that two different changes are merged cell by cell when
 * both sides still have the row, and are a row conflict when one side deleted it (delete vs modify).
 * A key inserted on both sides has no base row, so every differing cell of it is a conflict.
 */
export function mergeRow(f: RowFacts): RowPick {
  const pick = mergeValue(f.oursChanged, f.theirsChanged, f.sameChange);
  if (pick !== 'conflict') return pick;
  return f.oursPresent && f.theirsPresent ? 'cells' : 'conflict';
}

/** The arithmetic the count rule needs, so one definition serves numbers and SQL expressions. */
interface Counting<N> {
  add(a: N, b: N): N;
  sub(a: N, b: N): N;
  atLeastZero(a: N): N;
}

/**
 * Keyless tables merge as multisets, per distinct row: each side's change in the row's count is
 * applied to the base, and a count never goes below zero. Both sides appending the same row is two
 * appends; both deleting one of three copies leaves one. This is the only statement of the rule.
 */
const countRule = <N>(a: Counting<N>, base: N, ours: N, theirs: N): N =>
  a.atLeastZero(a.add(base, a.add(a.sub(ours, base), a.sub(theirs, base))));

export const mergeCount = (base: number, ours: number, theirs: number): number =>
  countRule({ add: (x, y) => x + y, sub: (x, y) => x - y, atLeastZero: (x) => Math.max(0, x) }, base, ours, theirs);

/** `mergeCount` as a SQL expression over three non-NULL integer expressions. */
export const mergeCountSql = (base: string, ours: string, theirs: string): string =>
  countRule(
    { add: (x, y) => `(${x} + ${y})`, sub: (x, y) => `(${x} - ${y})`, atLeastZero: (x) => `greatest(0, ${x})` },
    base,
    ours,
    theirs,
  );

/**
 * A keyless table as a whole (its name and manifest, or its absence): as `mergeValue`, except that
 * the same change made on both sides is two changes to the counts, so it is merged row by row
 * (`conflict` here sends it there) unless both removed the table, which leaves nothing to count.
 */
export const mergeKeylessWhole = (oursChanged: boolean, theirsChanged: boolean, sameChange: boolean, bothAbsent: boolean): Pick =>
  mergeValue(oursChanged, theirsChanged, sameChange && bothAbsent);

/** What a conflict settles to under a strategy; recorded conflicts show ours until resolved. */
export const settle = (strategy: Strategy): 'ours' | 'theirs' => strategy ?? 'ours';

/**
 * A SQL CASE computing `decide` over boolean SQL flags: every combination of the flags is
 * enumerated and mapped through the TypeScript policy, then grouped by outcome. Flags must be
 * non-NULL expressions. Outcomes are returned as string literals.
 */
export function decisionSql<T extends string>(flags: readonly string[], decide: (values: boolean[]) => T): string {
  const byOutcome = new Map<T, string[]>();
  for (let mask = 0; mask < 1 << flags.length; mask++) {
    const values = flags.map((_, i) => (mask & (1 << i)) !== 0);
    const outcome = decide(values);
    const conj = flags.map((f, i) => (values[i] ? `(${f})` : `NOT (${f})`)).join(' AND ');
    byOutcome.set(outcome, [...(byOutcome.get(outcome) ?? []), `(${conj})`]);
  }
  const whens = [...byOutcome].map(([outcome, conds]) => `WHEN ${conds.join(' OR ')} THEN '${outcome}'`);
  return `CASE ${whens.join(' ')} END`;
}

/** `mergeRow` as SQL over the five row flags, in RowFacts order. */
export const rowPickSql = (f: Record<keyof RowFacts, string>): string =>
  decisionSql(
    [f.oursChanged, f.theirsChanged, f.sameChange, f.oursPresent, f.theirsPresent],
    ([oursChanged, theirsChanged, sameChange, oursPresent, theirsPresent]) =>
      mergeRow({ oursChanged, theirsChanged, sameChange, oursPresent, theirsPresent }),
  );

/** `mergeValue` as SQL over three flags. */
export const cellPickSql = (oursChanged: string, theirsChanged: string, sameChange: string): string =>
  decisionSql([oursChanged, theirsChanged, sameChange], ([o, t, s]) => mergeValue(o, t, s));
