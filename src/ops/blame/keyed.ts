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
 * One commit of a keyed blame. `table` holds the rows unblamed at the commit. A row equal (on its
 * unblamed cells) to a parent goes to the first such parent, as `git blame` follows a line; a row
 * equal to none is settled here: against the first parent that has the row, the cells that differ
 * are blamed on this commit and the rest go to that parent; cells of a row no parent has are all
 * blamed here. So a row is always in one line of history, and its newest cell is its row commit.
 */
export async function keyedStep(run: BlameRun, child: ChildSide, table: string, parents: ParentSide[]): Promise<Move[]> {
  const ord = run.ordinal(child.meta);
  if (parents.every((p) => !p.manifest)) {
    await blameCells(run, table, ord, (i) => P(i));
    await run.drop(table);
    return [];
  }
  const moves: Move[] = [{ parent: 0, table }];
  let rest: string | undefined;
  for (const [j, parent] of parents.entries()) {
    const src = rest ?? table;
    const diff = await compareWith(run, src, child, parent, j);
    const next = diff && run.temp('rest');
    if (diff && next) {
      const equal = `d.${q(HAS(j))} AND NOT (${run.spec.cells.map((_, i) => `d.${q(X(j, i))} AND s.${q(P(i))}`).join(' OR ')})`;
      const flags = [HAS(j), ...run.spec.cells.map((_, i) => X(j, i))].map((c) => `d.${q(c)}`).join(', ');
      await run.engine.run(
        `CREATE TABLE ${q(next)} AS SELECT s.*, ${flags} FROM ${q(src)} s JOIN ${q(diff)} d ON ${run.join('s', 'd')} WHERE NOT (${equal})`,
      );
      await run.drop(diff);
    }
    if (j > 0) {
      // Rows of `src` no longer differing once parent j is considered are equal to it: they go there.
      const equalToJ = `SELECT ${run.ids()} FROM ${q(src)} ${next ? `ANTI JOIN ${q(next)} n ON ${run.join(q(src), 'n')}` : ''}`;
      moves.push({ parent: j, table: await takeRows(run, table, equalToJ) });
    }
    if (rest) await run.drop(rest);
    rest = next;
    if (!rest) break;
    if ((await run.count(rest)) === 0) {
      await run.drop(rest);
      rest = undefined;
      break;
    }
  }
  if (rest) moves.push(...(await settle(run, table, rest, parents.length, ord)));
  return moves;
}

/** Record every still-pending cell `flag(i)` of the rows of `from` as blamed on commit `ord`. */
async function blameCells(run: BlameRun, from: string, ord: number, flag: (i: number) => string): Promise<void> {
  const parts = run.spec.cells.map(
    (_, i) => `SELECT ${run.ids()}, ${i} AS ${q(CELL)}, ${ord} AS ${q(ORD)} FROM ${q(from)} WHERE ${q(flag(i))}`,
  );
  await run.engine.run(`INSERT INTO ${q(run.results)} ${parts.join(' UNION ALL ')}`);
}

/** Move the rows whose identity `keysSql` selects from `table` into a new pending table. */
async function takeRows(run: BlameRun, table: string, keysSql: string): Promise<string> {
  const moved = run.temp('pending');
  const keys = run.temp('keys');
  await run.engine.run(`CREATE TABLE ${q(keys)} AS ${keysSql}`);
  await run.engine.run(
    `CREATE TABLE ${q(moved)} AS SELECT ${run.pendingList('t')} FROM ${q(table)} t SEMI JOIN ${q(keys)} k ON ${run.join('t', 'k')}`,
  );
  await run.engine.run(`DELETE FROM ${q(table)} USING ${q(keys)} WHERE ${run.join(q(table), q(keys))}`);
  await run.drop(keys);
  return moved;
}

/** Rows equal to no parent: blame the cells that differ from the first parent having the row. */
async function settle(run: BlameRun, table: string, rest: string, nParents: number, ord: number): Promise<Move[]> {
  const cells = run.spec.cells;
  const which = `CASE ${Array.from({ length: nParents }, (_, j) => `WHEN ${q(HAS(j))} THEN ${j}`).join(' ')} ELSE -1 END`;
  const differsFromQ = (i: number) => Array.from({ length: nParents }, (_, j) => `(__lg_q = ${j} AND ${q(X(j, i))})`).join(' OR ');
  const blamed = (i: number) => `${q(P(i))} AND (__lg_q = -1 OR ${differsFromQ(i)})`;
  const settled = run.temp('settled');
  await run.engine
    .run(`CREATE TABLE ${q(settled)} AS SELECT ${run.ids()}, __lg_q, ${cells.map((_, i) => `${blamed(i)} AS __lg_b${i}`).join(', ')}
    FROM (SELECT *, ${which} AS __lg_q FROM ${q(rest)})`);
  await run.drop(rest);
  await blameCells(run, settled, ord, (i) => `__lg_b${i}`);
  const sets = cells.map((_, i) => `${q(P(i))} = ${col(P(i), q(table))} AND NOT ${col(`__lg_b${i}`, q(settled))}`).join(', ');
  await run.engine.run(`UPDATE ${q(table)} SET ${sets} FROM ${q(settled)} WHERE ${run.join(q(table), q(settled))}`);
  await run.engine.run(`DELETE FROM ${q(table)} WHERE NOT (${cells.map((_, i) => q(P(i))).join(' OR ')})`);
  const moves: Move[] = [];
  for (let j = 1; j < nParents; j++) {
    moves.push({ parent: j, table: await takeRows(run, table, `SELECT ${run.ids()} FROM ${q(settled)} WHERE __lg_q = ${j}`) });
  }
  await run.drop(settled);
  return moves;
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
      ...(cs.childBase.length ? [`SELECT ${pIds} FROM ${readFiles(cs.childBase)}`] : []),
      ...(cs.parentBase.length ? [`SELECT ${pIds} FROM ${readFiles(cs.parentBase)}`] : []),
      ...(cs.deltas.length ? [`SELECT ${pIds} FROM ${readFiles(cs.deltas)}`] : []),
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
        FROM ${q(cand)} c JOIN (SELECT ${pIds}, ${q(OP)} FROM ${readFiles([cs.exact])}) d ON ${run.join('c', 'd')}`);
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
  const pr = `SELECT ${run.identitySelect(pm.columns, 'p')}, ${run.hashes(pm.columns, 'p')} FROM (${rows}) p`;
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
