import { quoteIdent } from '../../engine/quote.js';
import type { CommitInfo } from '../../store/git.js';
import { blameLine, followLine, lineApplies } from './chain.js';
import { loadGraph, topoNewestFirst } from './graph.js';
import { keyedStep, type Move } from './keyed.js';
import { keylessStep } from './keyless.js';
import { ARRIVALS, COPIES, H, P, TOTAL, type BlameRun, type ChildSide, type CommitMeta, type ParentSide, type Pending } from './run.js';
import { parentTable } from './sources.js';
import type { BlameStart } from './start.js';
import type { RepoContext } from '../context.js';
import { isoDate } from '../history.js';
import { formatIdentity } from '../identity.js';
import { readManifest, readTableTree, type TableTree } from '../tree.js';

/*
 * The history walk of blame: unblamed rows go from a commit to its parents, newest first; at each
 * commit the keyed or keyless step decides which rows the commit made what they are.
 */

type Progress = (label: string, done: number, total: number, unit?: string) => void;

export const commitMeta = (c: CommitInfo): CommitMeta => ({
  commit: c.oid,
  author: formatIdentity(c.author),
  date: isoDate(c),
  message: c.message.replace(/\n$/, ''),
});

/** Hand the rows from commit to parents, newest first, until none is left unblamed. */
export async function walk(
  ctx: RepoContext,
  run: BlameRun,
  start: BlameStart,
  first: Pending,
  onProgress: Progress | undefined,
): Promise<void> {
  const pendingAt = new Map<string, Pending[]>();
  const hand = (oid: string, p: Pending) => handTo(run, pendingAt, oid, p);
  const trees = new Map<string, TableTree>();
  const treeOf = async (oid: string) => trees.get(oid) ?? trees.set(oid, await readTableTree(ctx, oid)).get(oid)!;
  if (start.uncommitted) {
    const u = start.uncommitted;
    const parents = u.head ? [u.head] : [];
    const child: ChildSide = { meta: u.meta, manifest: u.manifest };
    await step(ctx, run, child, undefined, u.tree, first, parents, treeOf, hand);
  } else {
    pendingAt.set(start.commit!, [first]);
  }
  const root = start.commit ?? start.uncommitted?.head;
  if (!root || pendingAt.size === 0) return;
  const graph = await loadGraph(ctx, root);
  let done = 0;
  for (const c of topoNewestFirst(graph, root)) {
    onProgress?.('blame', ++done, graph.commits.size, 'commits');
    const here = pendingAt.get(c.oid);
    if (!here) continue;
    pendingAt.delete(c.oid);
    if (here.length === 1 && lineApplies(run)) {
      const line = await followLine(ctx, run, graph, c, here[0].name, treeOf, commitMeta);
      if (line.end !== c.oid) {
        await blameLine(run, line, here[0]);
        if ((await run.count(here[0].table)) > 0) await hand(line.end, here[0]);
        else await run.drop(here[0].table);
        if (pendingAt.size === 0) break;
        continue;
      }
    }
    const tree = await treeOf(c.oid);
    for (const p of here) {
      const blob = tree.tables.get(p.name);
      const child: ChildSide = { meta: commitMeta(c), manifest: blob ? await readManifest(ctx, blob) : undefined };
      await step(ctx, run, child, blob, tree, p, c.parents, treeOf, hand);
    }
    if (pendingAt.size === 0) break;
  }
  onProgress?.('blame', graph.commits.size, graph.commits.size);
}

/** Rows handed to a commit that already has rows of the same table from another child join them. */
async function handTo(run: BlameRun, pendingAt: Map<string, Pending[]>, oid: string, p: Pending): Promise<void> {
  const list = pendingAt.get(oid) ?? [];
  const same = list.find((x) => x.name === p.name);
  if (!same) {
    pendingAt.set(oid, [...list, p]);
    return;
  }
  await run.ensureHashes(same.table);
  await run.ensureHashes(p.table);
  await run.engine.run(`INSERT INTO ${quoteIdent(same.table)} SELECT ${run.pendingList()} FROM ${quoteIdent(p.table)}`);
  await run.drop(p.table);
  const merged = run.temp('pending');
  if (run.spec.keyless) {
    // Copies of a keyless row can reach a commit down two lines; each line's copies are the first
    // n of that row here, so they stay apart (the same n from two lines just counts twice), never
    // summed into one larger n.
    const [n, t, w] = [COPIES, TOTAL, ARRIVALS].map(quoteIdent);
    await run.engine.run(`CREATE TABLE ${quoteIdent(merged)} AS SELECT ${run.ids()}, ${n}, ${t}, sum(${w})::BIGINT AS ${w}
      FROM ${quoteIdent(same.table)} GROUP BY ALL`);
  } else {
    // A row's cells may go down different lines of history and meet again here: one row, each
    // cell pending if it is pending on either line (a cell follows one line, so never on both).
    const { cells } = run.spec;
    await run.engine.run(`CREATE TABLE ${quoteIdent(merged)} AS SELECT ${run.ids()},
      ${cells.map((_, i) => `any_value(${quoteIdent(H(i))}) AS ${quoteIdent(H(i))}`).join(', ')},
      ${cells.map((_, i) => `bool_or(${quoteIdent(P(i))}) AS ${quoteIdent(P(i))}`).join(', ')}
      FROM ${quoteIdent(same.table)} GROUP BY ${run.ids()}`);
  }
  await run.drop(same.table);
  same.table = merged;
}

async function step(
  ctx: RepoContext,
  run: BlameRun,
  child: ChildSide,
  blob: string | undefined,
  tree: TableTree,
  p: Pending,
  parentOids: string[],
  treeOf: (oid: string) => Promise<TableTree>,
  hand: (oid: string, p: Pending) => Promise<void>,
): Promise<void> {
  const parents: ParentSide[] = [];
  for (const oid of parentOids) {
    const found = await parentTable(ctx, p.name, blob, tree, await treeOf(oid));
    parents.push({ oid, ...found, manifest: found ? await readManifest(ctx, found.blob) : undefined });
  }
  // A first parent holding the very same manifest explains every row: follow it without reading
  // anything. (A later parent with the same manifest does not: a cell goes to the first parent
  // holding its value, which may be an earlier one.)
  const same = blob !== undefined && parents[0]?.blob === blob ? parents[0] : undefined;
  if (same) return hand(same.oid, { table: p.table, name: same.name! });
  // A commit that adds the table blames every pending row without comparing anything.
  if (parents.some((x) => x.manifest)) await run.ensureHashes(p.table);
  const moves: Move[] = run.spec.keyless ? await keylessStep(run, child, p.table, parents) : await keyedStep(run, child, p.table, parents);
  for (const m of moves) {
    const to = parents[m.parent];
    if ((await run.count(m.table)) === 0) await run.drop(m.table);
    else if (to.name) await hand(to.oid, { table: m.table, name: to.name });
    else throw new Error(`blame: rows were handed to ${to.oid}, which has no table '${p.name}'`); // a bug, never a silent loss
  }
}
