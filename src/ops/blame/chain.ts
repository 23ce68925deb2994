import { quoteIdent } from '../../engine/quote.js';
import type { CommitInfo } from '../../store/git.js';
import type { Manifest } from '../../table/manifest.js';
import { col } from '../../table/rowsql.js';
import type { CommitGraph } from './graph.js';
import { CELL, ORD, type BlameRun, type CommitMeta, type Pending } from './run.js';
import { changedKeys } from './line-keys.js';
import { changeSet, readFiles, type ChangeSet } from './sources.js';
import type { RepoContext } from '../context.js';
import { readManifest, type TableTree } from '../tree.js';

/*
 * Row blame down a run of plain commits at once. Where history is a line (one parent, whose only
 * child is the commit before it) and the table keeps its name, key and the blamed column types, a
 * pending row belongs to the newest commit of the line that changed it. Each commit's changed keys
 * come from its manifests alone (an exact change chunk is the diff itself; any other change set is
 * compared on the keys it names), so the pending rows (the whole table, at first) are joined once
 * with all of them, not once per commit.
 */

const q = quoteIdent;
const SEQ = '__lakegit_seq'; // position in the line: 0 is the newest commit

/** One commit of a line whose table differs from its parent's. */
interface LineStep {
  meta: CommitMeta;
  child: Manifest;
  parent: Manifest;
  changes: Exclude<ChangeSet, { kind: 'all' }>;
}

export interface Line {
  steps: LineStep[];
  /** Where the line stops: the rows still pending go on from this commit, as usual. */
  end: string;
}

/** Row blame of a keyed table: the only blame a line can settle by keys alone. */
export const lineApplies = (run: BlameRun): boolean => !run.spec.keyless && run.spec.cells.length === 1;

/**
 * Follow the line down from `start` while each commit has one parent that has the table under the
 * same name, is no other commit's parent, and the change between them reads as files of the blamed
 * columns and key. Identical manifests are passed without a step.
 */
export async function followLine(
  ctx: RepoContext,
  run: BlameRun,
  graph: CommitGraph,
  start: CommitInfo,
  name: string,
  treeOf: (oid: string) => Promise<TableTree>,
  metaOf: (c: CommitInfo) => CommitMeta,
): Promise<Line> {
  const steps: LineStep[] = [];
  let c = start;
  for (;;) {
    const blob = (await treeOf(c.oid)).tables.get(name);
    if (!blob || c.parents.length !== 1) break;
    const up = c.parents[0];
    if (graph.children.get(up) !== 1 || !graph.commits.has(up)) break;
    const pblob = (await treeOf(up)).tables.get(name);
    if (!pblob) break;
    if (pblob !== blob) {
      const [child, parent] = [await readManifest(ctx, blob), await readManifest(ctx, pblob)];
      const changes = changeSet(child, parent, run.store);
      if (changes.kind === 'all' || !blamedShape(run, child)) break;
      steps.push({ meta: metaOf(c), child, parent, changes });
    }
    c = graph.commits.get(up)!;
  }
  return { steps, end: c.oid };
}

/** The manifest holds exactly the blamed columns with their types, under the blamed key. */
function blamedShape(run: BlameRun, m: Manifest): boolean {
  const { types, identity } = run.spec;
  return (
    JSON.stringify(m.key) === JSON.stringify(identity) &&
    m.columns.length === types.size &&
    m.columns.every((c) => types.get(c.name) === c.type)
  );
}

/**
 * Blame the rows of `p` that some step of the line changed on the newest such step, and drop them
 * from `p`. Commits are registered as the one-commit-at-a-time walk registers them: each step it
 * would have visited, i.e. all of them unless the rows run out first.
 */
export async function blameLine(run: BlameRun, line: Line, p: Pending): Promise<void> {
  const ids = run.ids();
  const changed = await lineChanges(run, line, p.table);
  const hits = run.temp('hits');
  await run.engine.run(
    `CREATE TABLE ${q(hits)} AS SELECT ${run.ids('s')}, c.${SEQ} FROM ${q(p.table)} s JOIN ${q(changed)} c ON ${run.join('s', 'c')}`,
  );
  await run.drop(changed);
  const seqs = (await run.engine.all(`SELECT DISTINCT ${SEQ} AS s FROM ${q(hits)} ORDER BY 1`)).map((r) => Number(r.s));
  const left = (await run.count(p.table)) - (await run.count(hits));
  const ord = registerLine(run, line, left > 0, seqs.length ? seqs[seqs.length - 1] : undefined);
  if (seqs.length) {
    await run.engine.run(`INSERT INTO ${q(run.results)} SELECT ${ids}, 0 AS ${q(CELL)}, ${ordOf(ord)} AS ${q(ORD)} FROM ${q(hits)}`);
    const rest = run.temp('pending');
    await run.engine.run(`CREATE TABLE ${q(rest)} AS SELECT * FROM ${q(p.table)} s ANTI JOIN ${q(hits)} h ON ${run.join('s', 'h')}`);
    await run.drop(p.table);
    run.unhashed.add(rest);
    p.table = rest;
  }
  await run.drop(hits);
}

/**
 * Register the line's commits as the walk would visit them: all of them when rows are left for the
 * commit after the line, else up to the oldest step that blames a row (`last`). Their ordinals, by step.
 */
export function registerLine(run: BlameRun, line: Line, rowsLeft: boolean, last: number | undefined): number[] {
  const visited = rowsLeft ? line.steps.length : last !== undefined ? last + 1 : 0;
  return line.steps.slice(0, visited).map((s) => run.ordinal(s.meta));
}

/** The ordinal of a hit's step (column SEQ), from the list registerLine gave. */
export const ordOf = (ords: number[], alias?: string): string => `[${ords.join(', ')}][${col(SEQ, alias)} + 1]`;

/**
 * A new work table of the keys some step of the line changed, each with the newest such step
 * (column SEQ), distinct by key. With `pending`, only keys pending there are looked at.
 */
export async function lineChanges(run: BlameRun, line: Line, pending?: string): Promise<string> {
  const changed = run.temp('changed');
  const ids = run.ids();
  const empty = pending ? `SELECT ${ids}, 0::INTEGER AS ${SEQ} FROM ${q(pending)} WHERE false` : emptyKeys(run);
  await run.engine.run(`CREATE TABLE ${q(changed)} AS ${empty}`);
  const exact: string[] = [];
  for (const [seq, s] of line.steps.entries()) {
    if (s.changes.kind === 'none') continue;
    if (s.changes.exact && rowCellCovers(run)) exact.push(`SELECT ${ids}, ${seq} AS ${SEQ} FROM ${readFiles([s.changes.exact])}`);
    else await changedKeys(run, { child: s.child, parent: s.parent, changes: s.changes }, seq, pending, changed);
  }
  if (exact.length) await run.engine.run(`INSERT INTO ${q(changed)} ${exact.join(' UNION ALL ')}`);
  const newest = run.temp('newest');
  await run.engine.run(`CREATE TABLE ${q(newest)} AS SELECT ${ids}, min(${SEQ})::INTEGER AS ${SEQ} FROM ${q(changed)} GROUP BY ALL`);
  await run.drop(changed);
  return newest;
}

/** An empty work relation of the identity columns (the blamed types) and SEQ. */
const emptyKeys = (run: BlameRun): string =>
  `SELECT ${run.spec.identity.map((k) => `CAST(NULL AS ${run.spec.types.get(k)}) AS ${q(k)}`).join(', ')}, 0::INTEGER AS ${SEQ} WHERE false`;

/** Row blame over every non-key column: then any change row of a key changed the row's one cell. */
function rowCellCovers(run: BlameRun): boolean {
  const { cells, identity, types } = run.spec;
  return [...types.keys()].every((c) => identity.includes(c) || cells[0].columns.includes(c));
}
