import { quoteIdent } from '../../engine/quote.js';
import { TableSnapshot } from '../../table/snapshot.js';
import { ARRIVALS, COPIES, TOTAL, type BlameRun, type ChildSide, type ParentSide } from './run.js';
import type { Move } from './keyed.js';
import { changeSet, readFiles } from './sources.js';

const q = quoteIdent;
const TP = '__lakegit_tp'; // copies of the row in the parent
const LEFT = '__lakegit_left'; // copies no parent so far could account for
const DELTA = '__lakegit_delta'; // +1 a copy only the child's files hold, -1 only the parent's
const N = '__lakegit_n'; // copies counted in the parent
const W = q(ARRIVALS);

/**
 * One commit of a keyless blame. A row is its content; `COPIES` of it are unblamed and the commit
 * holds `TOTAL`. A parent holding `tp` copies accounts for up to `tp` of them (the first parent
 * first, as a line goes to the first parent it matches); copies no parent accounts for are blamed
 * on this commit. Only rows in chunks the two manifests do not share can change their counts.
 * A row may be pending more than once, with different `COPIES`, when lines of history met here.
 */
export async function keylessStep(run: BlameRun, child: ChildSide, table: string, parents: ParentSide[]): Promise<Move[]> {
  const ord = run.ordinal(child.meta);
  const ids = run.ids();
  if (parents.every((p) => !p.manifest)) {
    await run.engine.run(`INSERT INTO ${q(run.results)} SELECT ${ids}, ${q(COPIES)} * ${W}, ${ord} FROM ${q(table)}`);
    await run.drop(table);
    return [];
  }
  const moves: Move[] = [{ parent: 0, table }];
  const first = await parentCounts(run, table, child, parents[0]);
  if (!first) return moves;
  let left = run.temp('left');
  await run.engine.run(`CREATE TABLE ${q(left)} AS SELECT ${run.ids('s')}, s.${q(COPIES)} - a.${TP} AS ${LEFT}, s.${q(TOTAL)}, s.${W}
    FROM ${q(table)} s JOIN ${q(first)} a ON ${run.join('s', 'a')} WHERE s.${q(COPIES)} > a.${TP}`);
  await run.engine.run(`UPDATE ${q(table)} SET ${q(COPIES)} = least(${q(table)}.${q(COPIES)}, a.${TP}), ${q(TOTAL)} = a.${TP}
    FROM ${q(first)} a WHERE ${run.join(q(table), 'a')}`);
  await run.engine.run(`DELETE FROM ${q(table)} WHERE ${q(COPIES)} <= 0`);
  await run.drop(first);
  for (let j = 1; j < parents.length && (await run.count(left)) > 0; j++) {
    const counts = await parentCounts(run, left, child, parents[j]);
    const tp = counts ? `coalesce(a.${TP}, l.${q(TOTAL)})` : `l.${q(TOTAL)}`;
    const from = `FROM ${q(left)} l ${counts ? `LEFT JOIN ${q(counts)} a ON ${run.join('l', 'a')}` : ''}`;
    const moved = run.temp('pending');
    await run.engine
      .run(`CREATE TABLE ${q(moved)} AS SELECT ${run.ids('l')}, least(l.${LEFT}, ${tp}) AS ${q(COPIES)}, ${tp} AS ${q(TOTAL)}, l.${W}
      ${from} WHERE least(l.${LEFT}, ${tp}) > 0`);
    moves.push({ parent: j, table: moved });
    const next = run.temp('left');
    await run.engine
      .run(`CREATE TABLE ${q(next)} AS SELECT ${run.ids('l')}, l.${LEFT} - least(l.${LEFT}, ${tp}) AS ${LEFT}, l.${q(TOTAL)}, l.${W}
      ${from} WHERE l.${LEFT} > ${tp}`);
    await run.drop(left, counts);
    left = next;
  }
  await run.engine.run(`INSERT INTO ${q(run.results)} SELECT ${ids}, ${LEFT} * ${W}, ${ord} FROM ${q(left)}`);
  await run.drop(left);
  return moves;
}

/**
 * For rows of `src` (identity and TOTAL, the child's copies), the parent's copies `tp` where it
 * may differ from TOTAL; undefined when the manifests show every count is unchanged.
 */
async function parentCounts(run: BlameRun, src: string, child: ChildSide, parent: ParentSide): Promise<string | undefined> {
  const out = run.temp('counts');
  const pm = parent.manifest;
  const rows = `(SELECT DISTINCT ${run.ids()}, ${q(TOTAL)} FROM ${q(src)})`;
  const pIds = pm && !pm.key ? run.identitySelect(pm.columns) : undefined;
  if (!pm || !pIds) {
    await run.engine.run(`CREATE TABLE ${q(out)} AS SELECT ${run.ids()}, 0::BIGINT AS ${TP} FROM ${rows}`);
    return out;
  }
  const cs = changeSet(child.manifest, pm, run.store);
  if (cs.kind === 'none') return undefined;
  if (cs.kind === 'files' && cs.deltas.length === 0) {
    // Shared chunks hold the same rows on both sides: the count moves by what only one side has.
    const parts = [
      ...(cs.childBase.length ? [`SELECT ${pIds.select}, 1 AS ${DELTA} FROM ${readFiles(cs.childBase)} WHERE ${pIds.ok}`] : []),
      ...(cs.parentBase.length ? [`SELECT ${pIds.select}, -1 AS ${DELTA} FROM ${readFiles(cs.parentBase)} WHERE ${pIds.ok}`] : []),
    ];
    await run.engine.run(`CREATE TABLE ${q(out)} AS SELECT ${run.ids('s')}, s.${q(TOTAL)} - d.${N} AS ${TP}
      FROM ${rows} s JOIN (SELECT ${run.ids()}, sum(${DELTA}) AS ${N} FROM (${parts.join(' UNION ALL ')}) GROUP BY ALL HAVING sum(${DELTA}) <> 0) d
      ON ${run.join('s', 'd')}`);
    return out;
  }
  // A parent's row counts as one of these only if every value reads back as the blamed type.
  const parentRows = new TableSnapshot(pm, run.store).sql();
  await run.engine.run(`CREATE TABLE ${q(out)} AS SELECT ${run.ids('s')}, coalesce(p.${N}, 0) AS ${TP}
    FROM ${rows} s LEFT JOIN (SELECT ${run.ids()}, count(*) AS ${N} FROM (SELECT ${pIds.select} FROM (${parentRows}) WHERE ${pIds.ok}) GROUP BY ALL) p
    ON ${run.join('s', 'p')}`);
  return out;
}
