import { quoteIdent } from '../../engine/quote.js';
import { followLine, lineApplies, lineChanges, ordOf, registerLine } from './chain.js';
import { loadGraph } from './graph.js';
import { CELL, ORD, type BlameRun } from './run.js';
import { parentTable } from './sources.js';
import type { BlameStart } from './start.js';
import { commitMeta } from './walk.js';
import type { RepoContext } from '../context.js';
import { readTableTree, type TableTree } from '../tree.js';

/*
 * Row blame of a table whose history from the blamed commit is one line down to the commit that
 * added it: the common case of a table committed again and again on one branch. Every row then
 * belongs to the newest step of the line that changed it, else to the commit that added the table.
 * The line's changed keys are a small table; the rows are never copied into a pending table or a
 * results table: the output joins the start's keys with them as it is read (sorted once).
 */

const q = quoteIdent;
const SEQ = '__lakegit_seq';
const INTEGER = /^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/;

/**
 * Blame the whole table down the line when history allows (see above), leaving the results as `run.resultRelation`.
 * False, with nothing blamed, when it does not: the walk then goes one commit or line at a time.
 */
export async function blameWholeLine(
  ctx: RepoContext,
  run: BlameRun,
  start: BlameStart,
  opts: { where?: string; onProgress?: (label: string, done: number, total: number) => void },
): Promise<boolean> {
  // A filtered blame (--where) has few rows: pending tables of them cost nothing, and each step's
  // changed keys are looked for among them only.
  if (!lineApplies(run) || !start.commit || opts.where !== undefined) return false;
  const graph = await loadGraph(ctx, start.commit);
  const trees = new Map<string, TableTree>();
  const treeOf = async (oid: string) => trees.get(oid) ?? trees.set(oid, await readTableTree(ctx, oid)).get(oid)!;
  const line = await followLine(ctx, run, graph, graph.commits.get(start.commit)!, start.table, treeOf, commitMeta);
  const end = graph.commits.get(line.end)!;
  if (!(await addsTable(ctx, start.table, end.parents, end.oid, treeOf))) return false;

  const hits = await lineChanges(run, line);
  const joined = `(SELECT ${run.ids()} FROM (${start.rows})) s LEFT JOIN ${q(hits)} h ON ${run.join('s', 'h')}`;
  const stats = (await run.engine.one(`SELECT count(*) AS n, count(h.${SEQ}) AS hit, max(h.${SEQ}) AS last, ${widthOf(run)} AS width,
      ${fitsInteger(run)} AS small FROM ${joined}`))!;
  const rowsLeft = Number(stats.n) > Number(stats.hit);
  const ords = registerLine(run, line, rowsLeft, stats.last === null ? undefined : Number(stats.last));
  // The rows no step changed belong to the commit that added the table, after the line's commits.
  const rest = rowsLeft ? run.ordinal(commitMeta(end)) : 'NULL';
  const stepOrd = ords.length ? ordOf(ords, 'h') : 'NULL::INTEGER';
  run.resultRelation = `(SELECT ${run.ids('s')}, 0 AS ${q(CELL)}, coalesce(${stepOrd}, ${rest}) AS ${q(ORD)} FROM ${joined})`;
  run.keyWidth = Number(stats.width);
  run.resultCount = Number(stats.n);
  if (stats.small === true) run.keyCast = 'INTEGER';
  opts.onProgress?.('blame', graph.commits.size, graph.commits.size);
  return true;
}

/** The commit has the table and no parent has it under any name: every row still unblamed is its. */
async function addsTable(
  ctx: RepoContext,
  name: string,
  parents: string[],
  oid: string,
  treeOf: (oid: string) => Promise<TableTree>,
): Promise<boolean> {
  const tree = await treeOf(oid);
  const blob = tree.tables.get(name);
  if (!blob) return false;
  for (const p of parents) if (await parentTable(ctx, name, blob, tree, await treeOf(p))) return false;
  return true;
}

/** Whether the one integer key's values all fit an INTEGER (false for other keys). */
function fitsInteger(run: BlameRun): string {
  const { identity, types } = run.spec;
  if (identity.length !== 1 || !INTEGER.test(types.get(identity[0]) ?? '')) return 'false';
  const k = `s.${q(identity[0])}`;
  return `coalesce(min(${k}) >= -2147483648 AND max(${k}) <= 2147483647, false)`;
}

/**
 * The longest key's text length, as `longestKey` measures it. One integer key's longest text is its
 * smallest or largest value's, so no row is turned into text.
 */
function widthOf(run: BlameRun): string {
  const { identity, types } = run.spec;
  if (identity.length === 1 && INTEGER.test(types.get(identity[0]) ?? '')) {
    const k = `s.${q(identity[0])}`;
    return `coalesce(greatest(length(CAST(min(${k}) AS VARCHAR)), length(CAST(max(${k}) AS VARCHAR))), 0)`;
  }
  return `coalesce(max(length(${run.keyText('s')})), 0)`;
}
