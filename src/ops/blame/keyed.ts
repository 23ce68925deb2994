import { quoteIdent } from '../../engine/quote.js';
import { col } from '../../table/rowsql.js';
import { OP } from '../../table/snapshot.js';
import { changeSet, readFiles, rowsForKeys } from './sources.js';
import { CELL, H, HAS, ORD, P, X, type BlameRun, type ChildSide, type ParentSide } from './run.js';

/** Rows handed to a parent: `parent` indexes the commit's parents. */
export interface Move {
  parent: number;
  table: string;
}

const q = quoteIdent;

/**
 * One commit of a keyed blame, as `git blame` passes lines through a merge. `table` holds the rows
 * unblamed at the commit, with the cells still pending. Each pending cell goes to the first parent
 * holding the row with that cell's value; a cell no parent holds is blamed on this commit. So a
 * merge is blamed only for values that match neither parent (a resolution, or both sides changed
 * them differently), and a row's cells may go down different lines of history.
 *
 *   cell equal to parent 0 -> parent 0;  else equal to parent 1 -> parent 1;  ...;  else -> here
 */
export async function keyedStep(run: BlameRun, child: ChildSide, table: string, parents: ParentSide[]): Promise<Move[]> {
  const ord = run.ordinal(child.meta);
  if (parents.every((p) => !p.manifest)) {
    await blameCells(run, table, ord, (i) => P(i));
    await run.drop(table);
    return [];
  }
  // The first parent keeps `table` itself: most rows of a commit are its first parent's, untouched.
  const moves: Move[] = [{ parent: 0, table }];
  let rest = await splitOff(run, table, child, parents[0], 0);
  for (let j = 1; j < parents.length && rest; j++) {
    const left = await splitOff(run, rest, child, parents[j], j);
    moves.push({ parent: j, table: rest });
    rest = left;
  }
  if (rest) {
    await blameCells(run, rest, ord, (i) => P(i));
    await run.drop(rest);
  }
  return moves;
}

/**
 * Keep in `src` the pending cells equal to parent j (they go there) and return a new table of the
 * rest (undefined when none is left). `src` is changed only where the manifests say a row may differ.
 */
async function splitOff(run: BlameRun, src: string, child: ChildSide, parent: ParentSide, j: number): Promise<string | undefined> {
  const diff = await compareWith(run, src, child, parent, j);
  if (!diff) return undefined;
  const cells = run.spec.cells;
  const equal = (i: number) => `(d.${q(HAS(j))} AND NOT d.${q(X(j, i))})`;
  const rest = run.temp('rest');
  const restCells = cells.map((_, i) => `s.${q(P(i))} AND NOT ${equal(i)} AS ${q(P(i))}`).join(', ');
  await run.engine.run(`CREATE TABLE ${q(rest)} AS SELECT * FROM (SELECT ${run.ids('s')}, ${cells.map((_, i) => `s.${q(H(i))}`).join(', ')},
    ${restCells} FROM ${q(src)} s JOIN ${q(diff)} d ON ${run.join('s', 'd')}) WHERE ${anyPending(run)}`);
  const kept = cells.map((_, i) => `${q(P(i))} = ${col(P(i), q(src))} AND ${equal(i)}`).join(', ');
  await run.engine.run(`UPDATE ${q(src)} SET ${kept} FROM ${q(diff)} d WHERE ${run.join(q(src), 'd')}`);
  await run.engine.run(`DELETE FROM ${q(src)} WHERE NOT (${anyPending(run)})`);
  await run.drop(diff);
  if ((await run.count(rest)) > 0) return rest;
  await run.drop(rest);
  return undefined;
}

const anyPending = (run: BlameRun) => run.spec.cells.map((_, i) => q(P(i))).join(' OR ');

/** Record every still-pending cell `flag(i)` of the rows of `from` as blamed on commit `ord`. */
async function blameCells(run: BlameRun, from: string, ord: number, flag: (i: number) => string): Promise<void> {
  const parts = run.spec.cells.map(
    (_, i) => `SELECT ${run.ids()}, ${i} AS ${q(CELL)}, ${ord} AS ${q(ORD)} FROM ${q(from)} WHERE ${q(flag(i))}`,
  );
  await run.engine.run(`INSERT INTO ${q(run.results)} ${parts.join(' UNION ALL ')}`);
}

/**
 * The rows of `src` that may differ from parent j, with HAS(j) (the parent has the row) and X(j, i)
 * (cell i differs). Undefined when the manifests show no row can differ. Reads only the files the
 * two manifests do not share, then the parent's rows for just those keys.
 */
async function compareWith(run: BlameRun, src: string, child: ChildSide, parent: ParentSide, j: number): Promise<string | undefined> {
  const out = run.temp('diff');
  const cells = run.spec.cells;
  const pm = parent.manifest;
  // A table re-keyed since cannot say which of its rows is which: as if it had none.
  const sameKey = JSON.stringify(pm?.key) === JSON.stringify(run.spec.identity);
  const pIds = pm && sameKey && run.identitySelect(pm.columns);
  if (!pm || !pIds) {
    const differ = cells.map((_, i) => `true AS ${q(X(j, i))}`).join(', ');
    await run.engine.run(`CREATE TABLE ${q(out)} AS SELECT ${run.ids()}, false AS ${q(HAS(j))}, ${differ} FROM ${q(src)}`);
    return out;
  }
  const cs = changeSet(child.manifest, pm, run.store);
  if (cs.kind === 'none') return undefined;
  let cand = src;
  if (cs.kind === 'files') {
    cand = run.temp('cand');
    const parts = [
      ...(cs.childBase.length ? [`SELECT ${pIds.select} FROM ${readFiles(cs.childBase)}`] : []),
      ...(cs.parentBase.length ? [`SELECT ${pIds.select} FROM ${readFiles(cs.parentBase)}`] : []),
      ...(cs.deltas.length ? [`SELECT ${pIds.select} FROM ${readFiles(cs.deltas)}`] : []),
    ];
    await run.engine.run(
      `CREATE TABLE ${q(cand)} AS SELECT s.* FROM ${q(src)} s SEMI JOIN (${parts.join(' UNION ALL ')}) f ON ${run.join('s', 'f')}`,
    );
    if ((await run.count(cand)) === 0) {
      await run.drop(cand);
      return undefined;
    }
    if (cs.exact && rowCellCovers(run, child)) {
      // The change chunk is the diff: 'added' rows are new, 'modified' ones changed a tracked column.
      await run.engine.run(`CREATE TABLE ${q(out)} AS SELECT ${run.ids('c')}, d.${q(OP)} <> 'added' AS ${q(HAS(j))}, true AS ${q(X(j, 0))}
        FROM ${q(cand)} c JOIN (SELECT ${pIds.select}, ${q(OP)} FROM ${readFiles([cs.exact])}) d ON ${run.join('c', 'd')}`);
      await run.drop(cand);
      return out;
    }
  }
  await parentFlags(run, cand, pm, j, out);
  if (cand !== src) await run.drop(cand);
  return out;
}

/** Compare the candidates' cells with the parent's rows for those keys only. */
async function parentFlags(run: BlameRun, cand: string, pm: NonNullable<ParentSide['manifest']>, j: number, out: string): Promise<void> {
  const keys = run.temp('pkeys');
  const asParent = pm.key!.map((k) => {
    const t = pm.columns.find((c) => c.name === k)!.type;
    return t === run.spec.types.get(k) ? col(k) : `TRY_CAST(${col(k)} AS ${t}) AS ${q(k)}`;
  });
  await run.engine.run(`CREATE TABLE ${q(keys)} AS SELECT ${asParent.join(', ')} FROM ${q(cand)}`);
  const rows = await rowsForKeys(run.engine, run.store, pm, keys);
  const ids = run.identitySelect(pm.columns, 'p')!;
  const pr = `SELECT ${ids.select}, ${run.hashes(pm.columns, 'p')} FROM (${rows}) p WHERE ${ids.ok}`;
  const k0 = run.spec.identity[0];
  await run.engine.run(`CREATE TABLE ${q(out)} AS SELECT ${run.ids('c')}, ${col(k0, 'r')} IS NOT NULL AS ${q(HAS(j))},
      ${run.spec.cells.map((_, i) => `${col(H(i), 'r')} IS DISTINCT FROM ${col(H(i), 'c')} AS ${q(X(j, i))}`).join(', ')}
    FROM ${q(cand)} c LEFT JOIN (${pr}) r ON ${run.join('c', 'r')}`);
  await run.drop(keys);
}

/** Row blame over every column the child has, with the blamed types: then any change to a row changes its one cell. */
function rowCellCovers(run: BlameRun, child: ChildSide): boolean {
  const { cells, identity, types } = run.spec;
  const m = child.manifest;
  if (!m || cells.length !== 1 || cells[0].label !== '*') return false;
  return (
    m.columns.filter((c) => !identity.includes(c.name)).every((c) => cells[0].columns.includes(c.name) && types.get(c.name) === c.type) &&
    identity.every((k) => m.columns.find((c) => c.name === k)?.type === types.get(k))
  );
}
