import { quoteIdent } from '../../engine/quote.js';
import type { Manifest } from '../../table/manifest.js';
import { col, cols, emptyRelation } from '../../table/rowsql.js';
import { OP } from '../../table/snapshot.js';
import type { BlameRun } from './run.js';
import { readFiles, rowsForKeys, type ChangeSet } from './sources.js';

/*
 * The keys one commit of a line changed, when its change set is not one exact change chunk: the
 * first change chunk over a bare base (possibly several stagings folded), a fold of change chunks
 * into one, a rewritten base. Of the keys its files name, those the child has and the parent lacks
 * or holds with other tracked values.
 */

const q = quoteIdent;
const SEQ = '__lakegit_seq';

/** A commit of a line: its manifest, its parent's, and the files that can hold the rows that differ. */
export interface StepSides {
  child: Manifest;
  parent: Manifest;
  changes: Extract<ChangeSet, { kind: 'files' }>;
}

/**
 * Insert into `changed` (identity, SEQ) the keys step `s` changed, as `seq`. With `pending`, only
 * keys still pending there are looked at (the rest are not blamed here whatever they hold).
 */
export async function changedKeys(run: BlameRun, s: StepSides, seq: number, pending: string | undefined, changed: string): Promise<void> {
  const { childBase, parentBase, deltas } = s.changes;
  const ids = run.ids();
  const files = [childBase, parentBase, deltas].filter((f) => f.length).map((f) => `SELECT ${ids} FROM ${readFiles(f)}`);
  const keys = run.temp('keys');
  const only = pending ? `SEMI JOIN ${q(pending)} s ON ${run.join('f', 's')}` : '';
  await run.engine.run(`CREATE TABLE ${q(keys)} AS SELECT DISTINCT ${run.ids('f')} FROM (${files.join(' UNION ALL ')}) f ${only}`);
  if ((await run.count(keys)) > 0) {
    if (childBase.length === 0 && parentBase.length === 0) await sharedBase(run, s, seq, keys, changed);
    else await bothSides(run, s, seq, keys, changed);
  }
  await run.drop(keys);
}

/** Different bases: both sides' rows for those keys, each read as its snapshot (base chunks pruned by key range). */
async function bothSides(run: BlameRun, s: StepSides, seq: number, keys: string, changed: string): Promise<void> {
  const [c, p] = [await rowsForKeys(run.engine, run.store, s.child, keys), await rowsForKeys(run.engine, run.store, s.parent, keys)];
  const k0 = col(run.spec.identity[0], 'p');
  await run.engine.run(`INSERT INTO ${q(changed)} SELECT ${run.ids('c')}, ${seq}
    FROM (${c}) c LEFT JOIN (${p}) p ON ${run.join('c', 'p')}
    WHERE ${k0} IS NULL OR ${run.cellHash(0, s.child.columns, 'c')} IS DISTINCT FROM ${run.cellHash(0, s.parent.columns, 'p')}`);
}

/**
 * Both sides hold the same base rows (a fold keeps the base): a side's version of a key is its
 * newest change row ('removed': none), else the base row. So the base is read once, and only for
 * the keys one side's change chunks do not name — not once per side for every key, which for keys
 * spread over the table reads every base chunk twice.
 */
async function sharedBase(run: BlameRun, s: StepSides, seq: number, keys: string, changed: string): Promise<void> {
  const [cs, ps, base] = [run.temp('cside'), run.temp('pside'), run.temp('base')];
  await run.engine.run(`CREATE TABLE ${q(cs)} AS ${newestChange(run, s.child, keys)}`);
  await run.engine.run(`CREATE TABLE ${q(ps)} AS ${newestChange(run, s.parent, keys)}`);
  const chunks = s.child.chunks.map((c) => run.store.pathOf(c.id));
  const names = s.child.columns.map((c) => c.name);
  const rows = chunks.length ? `SELECT ${cols(names)} FROM ${readFiles(chunks)}` : emptyRelation(s.child.columns);
  // The keys some side has no change row for: only those need the base row.
  await run.engine.run(`CREATE TABLE ${q(base)} AS SELECT b.* FROM (${rows}) b SEMI JOIN
    (SELECT ${run.ids('k')} FROM ${q(keys)} k ANTI JOIN (SELECT ${run.ids('c')} FROM ${q(cs)} c JOIN ${q(ps)} p ON ${run.join('c', 'p')}) x
      ON ${run.join('k', 'x')}) n ON ${run.join('b', 'n')}`);
  const k0 = run.spec.identity[0];
  const has = (a: string) => `CASE WHEN ${col(k0, a)} IS NULL THEN ${col(k0, 'b')} IS NOT NULL ELSE ${col(OP, a)} <> 'removed' END`;
  const hash = (a: string, m: Manifest) =>
    `CASE WHEN ${col(k0, a)} IS NULL THEN ${run.cellHash(0, s.child.columns, 'b')} ELSE ${run.cellHash(0, m.columns, a)} END`;
  await run.engine.run(`INSERT INTO ${q(changed)} SELECT ${run.ids('k')}, ${seq} FROM ${q(keys)} k
    LEFT JOIN ${q(cs)} c ON ${run.join('k', 'c')} LEFT JOIN ${q(ps)} p ON ${run.join('k', 'p')} LEFT JOIN ${q(base)} b ON ${run.join('k', 'b')}
    WHERE ${has('c')} AND (NOT (${has('p')}) OR ${hash('c', s.child)} IS DISTINCT FROM ${hash('p', s.parent)})`);
  await run.drop(cs, ps, base);
}

/** The newest change row of each of `keys` among a manifest's change chunks (latest wins, as a snapshot reads them). */
function newestChange(run: BlameRun, m: Manifest, keys: string): string {
  const all = cols([...m.columns.map((c) => c.name), OP]);
  if (m.deltas.length === 0) {
    return `SELECT ${m.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${q(c.name)}`).join(', ')}, NULL::VARCHAR AS ${q(OP)} WHERE false`;
  }
  const parts = m.deltas.map((d, i) => `SELECT ${all}, ${i} AS ${SEQ} FROM ${readFiles([run.store.pathOf(d.id)])}`);
  return `SELECT d.* EXCLUDE (${SEQ}) FROM (${parts.join(' UNION ALL ')}) d SEMI JOIN ${q(keys)} k ON ${run.join('d', 'k')}
    QUALIFY row_number() OVER (PARTITION BY ${run.ids('d')} ORDER BY d.${SEQ} DESC) = 1`;
}
