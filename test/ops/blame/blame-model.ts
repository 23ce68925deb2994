import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Repo } from '../../../src/repo.js';
import { readTableTree } from '../../../src/ops/tree.js';

/**
 * Random small histories for blame, and a naive reference blame that follows git's rules one row
 * (or cell) at a time over the whole model: what the fast walk must agree with.
 */
export interface Row {
  id: number;
  amount: number;
  status: string;
}
export type Table = Row[]; // keyless tables may hold a row twice
export interface ModelCommit {
  oid: string;
  parents: string[];
  table: Table;
  blob: string;
}

type Edit = { id: number; what: 'amount' | 'status' | 'delete' | 'insert'; value: number };
export interface Commit {
  author: number;
  minutes: number;
  edits: Edit[];
}
/** One round: commits on main, commits on side, then maybe a merge one way or the other, maybe a re-chunking commit. */
export interface Round {
  main: Commit[];
  side: Commit[];
  merge: 'none' | 'side-into-main' | 'main-into-side';
  picks: number[];
  minutes: number;
  refresh: boolean;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  id: fc.integer({ min: 1, max: 4 }),
  what: fc.constantFrom('amount', 'status', 'delete', 'insert') as fc.Arbitrary<Edit['what']>,
  value: fc.integer({ min: 0, max: 2 }),
});
export const commitArb: fc.Arbitrary<Commit> = fc.record({
  author: fc.integer({ min: 0, max: 2 }),
  minutes: fc.integer({ min: 0, max: 3 }),
  edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
});
export const roundArb: fc.Arbitrary<Round> = fc.record({
  main: fc.array(commitArb, { maxLength: 2 }),
  side: fc.array(commitArb, { maxLength: 2 }),
  merge: fc.constantFrom('none', 'side-into-main', 'main-into-side') as fc.Arbitrary<Round['merge']>,
  picks: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
  minutes: fc.integer({ min: 0, max: 3 }),
  refresh: fc.boolean(),
});

const AUTHORS = ['Ann <ann@x.io>', 'Bob <bob@x.io>', 'Cat <cat@x.io>'];
const csv = (t: Table) => `id,amount,status\n${t.map((r) => `${r.id},${r.amount},${r.status}`).join('\n')}\n`;
const sameRow = (a?: Row, b?: Row) => !!a && !!b && a.amount === b.amount && a.status === b.status && a.id === b.id;

/** Apply edits: keyed tables by id; keyless ones treat `id` as a value like any other column. */
function applyEdits(t: Table, edits: Edit[], keyless: boolean): Table {
  let out = t.map((r) => ({ ...r }));
  for (const e of edits) {
    const i = out.findIndex((r) => r.id === e.id);
    if ((e.what !== 'delete' && i < 0) || (e.what === 'insert' && keyless)) out.push({ id: e.id, amount: e.value, status: `s${e.value}` });
    else if (e.what === 'delete' && i >= 0 && out.length > 1) out = out.filter((_, j) => j !== i);
    else if (i >= 0 && e.what === 'amount') out[i].amount = e.value;
    else if (i >= 0 && e.what === 'status') out[i].status = `s${e.value}`;
  }
  return keyless ? out : out.sort((a, b) => a.id - b.id);
}

/** A merged table: per key, ours, theirs, a mix of their cells, or a value neither had. */
function mergeTables(ours: Table, theirs: Table, picks: number[], keyless: boolean): Table {
  if (keyless) return [...ours.filter((_, i) => picks[i % 6] !== 0), ...theirs.filter((_, i) => picks[i % 6] >= 2)];
  const ids = [...new Set([...ours, ...theirs].map((r) => r.id))].sort((a, b) => a - b);
  const out: Table = [];
  for (const id of ids) {
    const o = ours.find((r) => r.id === id);
    const t = theirs.find((r) => r.id === id);
    const pick = picks[(id - 1) % 6];
    const row =
      pick === 0
        ? o
        : pick === 1
          ? t
          : pick === 2 && o && t
            ? { id, amount: o.amount, status: t.status }
            : (o ?? t) && { ...(o ?? t)!, amount: 7, status: (t ?? o)!.status };
    if (row) out.push({ ...row });
  }
  return out.length ? out : [{ id: 1, amount: 0, status: 's0' }];
}

const nothingToCommit = (e: Error): undefined => {
  if (!/nothing to commit/.test(e.message)) throw e;
  return undefined;
};

/** Play the rounds against a real repository, recording every commit's model table and manifest blob. */
export async function playHistory(repo: Repo, rounds: Round[], keyless: boolean): Promise<Map<string, ModelCommit>> {
  const commits = new Map<string, ModelCommit>();
  const heads = new Map<string, string>();
  const tables = new Map<string, Table>();
  let branch = 'main';
  const file = path.join(repo.root, 'orders.csv');
  const record = async (oid: string, parents: string[], table: Table) => {
    const blob = (await readTableTree(repo.ctx, oid)).tables.get('orders')!;
    commits.set(oid, { oid, parents, table, blob });
    heads.set(branch, oid);
    tables.set(branch, table);
  };
  const commitTable = async (table: Table, msg: string, author: string, minutes: number, extraParents?: string[]) => {
    process.env.LAKEGIT_AUTHOR_DATE = new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString();
    await fsp.writeFile(file, csv(table));
    await repo.add({ paths: ['orders.csv'], cwd: repo.root, ...(heads.size ? {} : keyless ? { keyless: true } : { key: ['id'] }) });
    const r = await repo.commit({ message: msg, author, extraParents }).catch(nothingToCommit);
    if (r) await record(r.oid, r.parents, table);
  };
  const switchTo = async (b: string) => {
    if (b === branch) return;
    await repo.checkout(heads.has(b) ? { target: b } : { target: 'HEAD', create: b });
    if (!heads.has(b)) {
      heads.set(b, heads.get(branch)!);
      tables.set(b, tables.get(branch)!);
    }
    branch = b;
  };
  const first = keyless
    ? [
        { id: 1, amount: 0, status: 's0' },
        { id: 1, amount: 0, status: 's0' },
        { id: 2, amount: 1, status: 's1' },
      ]
    : [
        { id: 1, amount: 0, status: 's0' },
        { id: 2, amount: 1, status: 's1' },
        { id: 3, amount: 0, status: 's0' },
      ];
  await commitTable(first, 'load', AUTHORS[0], 0);
  for (const [n, round] of rounds.entries()) {
    for (const b of ['main', 'side'] as const) {
      await switchTo(b);
      for (const [k, c] of round[b].entries())
        await commitTable(applyEdits(tables.get(b)!, c.edits, keyless), `${b}${n}.${k}`, AUTHORS[c.author], c.minutes);
    }
    if (round.merge !== 'none') {
      const [into, from] = round.merge === 'side-into-main' ? ['main', 'side'] : ['side', 'main'];
      await switchTo(into);
      if (heads.get(from) !== heads.get(into)) {
        await commitTable(mergeTables(tables.get(into)!, tables.get(from)!, round.picks, keyless), `merge${n}`, AUTHORS[2], round.minutes, [
          heads.get(from)!,
        ]);
      }
    }
    if (round.refresh) {
      await repo.rm('orders', true);
      await fsp.writeFile(file, csv(tables.get(branch)!));
      await repo.add({ paths: ['orders.csv'], cwd: repo.root, ...(keyless ? { keyless: true } : { key: ['id'] }) });
      const r = await repo.commit({ message: `refresh${n}`, author: AUTHORS[1] }).catch(nothingToCommit);
      if (r) await record(r.oid, r.parents, tables.get(branch)!);
    }
  }
  return commits;
}

/** Reference cell blame of one row: blob identity first, then rows, then the settle rule. */
export function referenceBlame(commits: Map<string, ModelCommit>, oid: string, head: Row, cells: (keyof Row)[][]): Map<number, string> {
  const out = new Map<number, string>();
  const go = (at: string, pending: number[]) => {
    const c = commits.get(at)!;
    const same = c.parents.find((p) => commits.get(p)!.blob === c.blob);
    if (same) return go(same, pending);
    const rows = c.parents.map((p) => commits.get(p)!.table.find((r) => r.id === head.id));
    const eqCell = (r: Row | undefined, i: number) => !!r && cells[i].every((k) => r[k] === head[k]);
    const equal = rows.findIndex((r) => pending.every((i) => eqCell(r, i)));
    if (equal >= 0) return go(c.parents[equal], pending);
    const q = rows.findIndex((r) => r !== undefined);
    const rest = pending.filter((i) => q >= 0 && eqCell(rows[q], i));
    for (const i of pending) if (!rest.includes(i)) out.set(i, at);
    if (rest.length) go(c.parents[q], rest);
  };
  go(
    oid,
    cells.map((_, i) => i),
  );
  return out;
}

/** Reference keyless blame: each copy of a row goes to the first parent with a copy left, else here. */
export function referenceKeyless(commits: Map<string, ModelCommit>, oid: string, row: Row, copies: number): string[] {
  const count = (t: Table) => t.filter((r) => sameRow(r, row)).length;
  const c = commits.get(oid)!;
  const same = c.parents.find((p) => commits.get(p)!.blob === c.blob);
  if (same) return referenceKeyless(commits, same, row, copies);
  const out: string[] = [];
  let left = copies;
  for (const p of c.parents) {
    const give = Math.min(left, count(commits.get(p)!.table));
    if (give > 0) out.push(...referenceKeyless(commits, p, row, give));
    left -= give;
  }
  for (let i = 0; i < left; i++) out.push(oid);
  return out;
}

/** Is `a` an ancestor of (or equal to) `b`, with the row equal to `head` at every commit on some path? */
export function unchangedPath(commits: Map<string, ModelCommit>, from: string, to: string, same: (t: Table) => boolean): boolean {
  if (!same(commits.get(from)!.table)) return false;
  if (from === to) return true;
  return commits.get(from)!.parents.some((p) => unchangedPath(commits, p, to, same));
}

export { sameRow };

/** A fresh repository in a temporary directory for the body, removed afterwards. */
export async function withRepo<T>(body: (repo: Repo) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-blame-'));
  try {
    return await body(await Repo.init(dir));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
