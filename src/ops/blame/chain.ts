import { quoteIdent } from '../../engine/quote.js';
import type { CommitInfo } from '../../store/git.js';
import type { Manifest } from '../../table/manifest.js';
import { col } from '../../table/rowsql.js';
import type { CommitGraph } from './graph.js';
import { CELL, ORD, type BlameRun, type CommitMeta, type Pending } from './run.js';
import { changeSet, readFiles, rowsForKeys, type ChangeSet } from './sources.js';
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
  const changed = run.temp('changed');
  const ids = run.ids();
  await run.engine.run(`CREATE TABLE ${q(changed)} AS SELECT ${ids}, 0::INTEGER AS ${SEQ} FROM ${q(p.table)} WHERE false`);
  const exact: string[] = [];
  for (const [seq, s] of line.steps.entries()) {
    if (s.changes.kind === 'none') continue;
    if (s.changes.exact && rowCellCovers(run)) exact.push(`SELECT ${ids}, ${seq} AS ${SEQ} FROM ${readFiles([s.changes.exact])}`);
    else await changedKeys(run, s, seq, p.table, changed);
  }
  if (exact.length) await run.engine.run(`INSERT INTO ${q(changed)} ${exact.join(' UNION ALL ')}`);
  const hits = run.temp('hits');
  await run.engine.run(`CREATE TABLE ${q(hits)} AS SELECT ${run.ids('s')}, min(c.${SEQ}) AS ${SEQ}
    FROM ${q(p.table)} s JOIN ${q(changed)} c ON ${run.join('s', 'c')} GROUP BY ALL`);
  await run.drop(changed);
  const seqs = (await run.engine.all(`SELECT DISTINCT ${SEQ} AS s FROM ${q(hits)} ORDER BY 1`)).map((r) => Number(r.s));
  const left = (await run.count(p.table)) - (await run.count(hits));
  const visited = left > 0 ? line.steps.length : seqs.length ? seqs[seqs.length - 1] + 1 : 0;
  const ord = line.steps.slice(0, visited).map((s) => run.ordinal(s.meta));
  if (seqs.length) {
    const ords = `[${ord.join(', ')}]`;
    await run.engine.run(`INSERT INTO ${q(run.results)} SELECT ${ids}, 0 AS ${q(CELL)}, ${ords}[${SEQ} + 1] AS ${q(ORD)} FROM ${q(hits)}`);
    const rest = run.temp('pending');
    await run.engine.run(`CREATE TABLE ${q(rest)} AS SELECT * FROM ${q(p.table)} s ANTI JOIN ${q(hits)} h ON ${run.join('s', 'h')}`);
    await run.drop(p.table);
    run.unhashed.add(rest);
    p.table = rest;
  }
  await run.drop(hits);
}

/** Row blame over every non-key column: then any change row of a key changed the row's one cell. */
function rowCellCovers(run: BlameRun): boolean {
  const { cells, identity, types } = run.spec;
  return [...types.keys()].every((c) => identity.includes(c) || cells[0].columns.includes(c));
}

/**
 * The pending keys a non-exact step changed: of the keys its files name, those the child has and
 * the parent lacks or holds with other tracked values. Both sides are read for just those keys.
 */
async function changedKeys(run: BlameRun, s: LineStep, seq: number, pending: string, changed: string): Promise<void> {
  if (s.changes.kind !== 'files') return;
  const { childBase, parentBase, deltas } = s.changes;
  const ids = run.ids();
  const files = [childBase, parentBase, deltas].filter((f) => f.length).map((f) => `SELECT ${ids} FROM ${readFiles(f)}`);
  const keys = run.temp('keys');
  await run.engine.run(`CREATE TABLE ${q(keys)} AS SELECT DISTINCT ${run.ids('f')} FROM (${files.join(' UNION ALL ')}) f
    SEMI JOIN ${q(pending)} s ON ${run.join('f', 's')}`);
  if ((await run.count(keys)) > 0) {
    const [c, p] = [await rowsForKeys(run.engine, run.store, s.child, keys), await rowsForKeys(run.engine, run.store, s.parent, keys)];
    const k0 = col(run.spec.identity[0], 'p');
    await run.engine.run(`INSERT INTO ${q(changed)} SELECT ${run.ids('c')}, ${seq}
      FROM (${c}) c LEFT JOIN (${p}) p ON ${run.join('c', 'p')}
      WHERE ${k0} IS NULL OR ${run.cellHash(0, s.child.columns, 'c')} IS DISTINCT FROM ${run.cellHash(0, s.parent.columns, 'p')}`);
  }
  await run.drop(keys);
}
