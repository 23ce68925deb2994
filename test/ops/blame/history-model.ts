import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Repo } from '../../../src/repo.js';
import { commitMade } from '../../helpers.js';

/**
 * Random small tables and random edit histories on three branches with merges, played against a
 * real repository. Tables are keyed (id), composite-keyed (region, id) or keyless; value columns
 * take odd names (`w`, `c`, `__op`, `filename`, `select`, unicode) and kinds whose values test
 * types: small integers, BIGINT beyond 2^53, decimals, timestamps, unicode text, NULL, and a
 * value (`n/a`) that turns a numeric column into VARCHAR for as long as it is there.
 */
export type Kind = 'int' | 'big' | 'dec' | 'ts' | 'text';
export interface Shape {
  key: 'id' | 'composite' | 'keyless';
  columns: { name: string; kind: Kind }[];
}
/** A row as CSV fields: null is an empty field (NULL). */
export type Row = Record<string, string | null>;

type Edit = { row: number; col: number; v: number; what: 'set' | 'insert' | 'delete' };
export type Step =
  | { kind: 'commit'; branch: number; author: number; minutes: number; edits: Edit[] }
  | { kind: 'merge'; into: number; from: number; picks: number[]; minutes: number }
  | { kind: 'refresh'; branch: number };

const NAMES = ['w', 'c', '__op', 'filename', 'select', 'ünï cödé', 'amount'];
const KINDS: Kind[] = ['int', 'big', 'dec', 'ts', 'text'];

export const shapeArb: fc.Arbitrary<Shape> = fc.record({
  key: fc.constantFrom('id', 'composite', 'keyless') as fc.Arbitrary<Shape['key']>,
  columns: fc
    .uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 })
    .chain((names) => fc.tuple(...names.map((n) => fc.constantFrom(...KINDS).map((kind) => ({ name: n, kind }))))),
});

const editArb: fc.Arbitrary<Edit> = fc.record({
  row: fc.integer({ min: 0, max: 5 }),
  col: fc.integer({ min: 0, max: 2 }),
  v: fc.integer({ min: 0, max: 5 }),
  what: fc.constantFrom('set', 'set', 'insert', 'delete') as fc.Arbitrary<Edit['what']>,
});
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('commit' as const),
      branch: fc.integer({ min: 0, max: 2 }),
      author: fc.integer({ min: 0, max: 2 }),
      minutes: fc.integer({ min: 0, max: 2 }),
      edits: fc.array(editArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('merge' as const),
      into: fc.integer({ min: 0, max: 2 }),
      from: fc.integer({ min: 0, max: 2 }),
      picks: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
      minutes: fc.integer({ min: 0, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refresh' as const), branch: fc.integer({ min: 0, max: 2 }) }) },
);
export const historyArb = fc.record({ shape: shapeArb, steps: fc.array(stepArb, { minLength: 2, maxLength: 7 }) });

/** The field text of value v of a kind: 0..3 values, 4 NULL, 5 the text that makes a numeric column VARCHAR. */
function field(kind: Kind, v: number): string | null {
  if (v === 4) return null;
  if (v === 5) return kind === 'text' ? 'n/a' : kind === 'ts' ? 'soon' : 'n/a';
  switch (kind) {
    case 'int':
      return String(v * 10);
    case 'big':
      return String(9007199254740993n + BigInt(v)); // 2^53 + 1 + v: a double cannot tell them apart
    case 'dec':
      return `${v}.${v}5`;
    case 'ts':
      return `2026-0${v + 1}-0${v + 1} 1${v}:00:00`;
    case 'text':
      return ['a', 'ü', '日本', 'select'][v];
  }
}

export const keyColumns = (s: Shape): string[] => (s.key === 'id' ? ['id'] : s.key === 'composite' ? ['region', 'id'] : []);
const keyOf = (s: Shape, slot: number): Row =>
  s.key === 'id' ? { id: String(slot + 1) } : { region: slot % 2 ? 'us' : 'eü', id: String((slot >> 1) + 1) };
const sameKey = (s: Shape, a: Row, b: Row) => keyColumns(s).every((k) => a[k] === b[k]);

function newRow(s: Shape, slot: number, v: number): Row {
  const row: Row = s.key === 'keyless' ? {} : keyOf(s, slot);
  s.columns.forEach((c, i) => (row[c.name] = field(c.kind, (v + i) % 5)));
  return row;
}

/** Apply edits: keyed tables by key slot; keyless ones by position. A table never becomes empty. */
function applyEdits(s: Shape, t: Row[], edits: Edit[]): Row[] {
  let out = t.map((r) => ({ ...r }));
  for (const e of edits) {
    const col = s.columns[e.col % s.columns.length];
    const i = s.key === 'keyless' ? (out.length ? e.row % out.length : -1) : out.findIndex((r) => sameKey(s, r, keyOf(s, e.row)));
    if (e.what === 'insert' && (s.key === 'keyless' || i < 0)) out.push(newRow(s, e.row, e.v));
    else if (e.what === 'delete' && i >= 0 && out.length > 1) out = out.filter((_, j) => j !== i);
    else if (e.what === 'set' && i >= 0) out[i][col.name] = field(col.kind, e.v);
  }
  return out;
}

/** A merge result: per key, ours, theirs, a mix of their cells, or a resolution neither had. */
function mergeTables(s: Shape, ours: Row[], theirs: Row[], picks: number[]): Row[] {
  if (s.key === 'keyless') {
    const out = [...ours.filter((_, i) => picks[i % 6] !== 0), ...theirs.filter((_, i) => picks[i % 6] >= 2)];
    return out.length ? out : [ours[0]];
  }
  const out: Row[] = [];
  for (let slot = 0; slot < 6; slot++) {
    const k = keyOf(s, slot);
    const o = ours.find((r) => sameKey(s, r, k));
    const t = theirs.find((r) => sameKey(s, r, k));
    const pick = picks[slot];
    const first = s.columns[0].name;
    const row =
      pick === 0
        ? o
        : pick === 1
          ? t
          : pick === 2 && o && t
            ? { ...o, [first]: t[first] }
            : (o ?? t) && { ...(o ?? t)!, [first]: field(s.columns[0].kind, 3) };
    if (row) out.push({ ...row });
  }
  return out.length ? out : [ours[0]];
}

const csvField = (v: string | null) => (v === null ? '' : /[",\s]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
export const allColumns = (s: Shape): string[] => [...keyColumns(s), ...s.columns.map((c) => c.name)];
const csv = (s: Shape, t: Row[]) =>
  `${allColumns(s).map(csvField).join(',')}\n${t
    .map((r) =>
      allColumns(s)
        .map((c) => csvField(r[c]))
        .join(','),
    )
    .join('\n')}\n`;

const AUTHORS = ['Ann <ann@x.io>', 'Bob <bob@x.io>', 'Cat <cat@x.io>'];
const BRANCHES = ['main', 'b1', 'b2'];

export interface Played {
  /** Every commit of the history with its parents, in the order made. */
  commits: Map<string, string[]>;
  head: string;
}

const nothingToCommit = (e: Error): undefined => {
  if (!/nothing to commit/.test(e.message)) throw e;
  return undefined;
};

/** Play a history against a real repository (table `orders`): commits, merges with resolutions, re-chunking. */
export async function playHistory(repo: Repo, shape: Shape, steps: Step[]): Promise<Played> {
  const commits = new Map<string, string[]>();
  const heads = new Map<string, string>();
  const tables = new Map<string, Row[]>();
  let branch = 'main';
  let minutes = 0;
  const file = path.join(repo.root, 'orders.csv');
  const keyOpt = () => (shape.key === 'keyless' ? { keyless: true } : { key: keyColumns(shape) });
  const commitTable = async (table: Row[], msg: string, author: string, extraParents?: string[]) => {
    process.env.LAKEGIT_AUTHOR_DATE = new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString();
    await fsp.writeFile(file, csv(shape, table));
    await repo.add({ paths: ['orders.csv'], cwd: repo.root, ...(heads.size ? {} : keyOpt()) });
    const r = await repo.commit({ message: msg, author, extraParents }).then(commitMade, nothingToCommit);
    if (r) {
      commits.set(r.oid, r.parents);
      heads.set(branch, r.oid);
    }
    tables.set(branch, table);
  };
  const switchTo = async (b: string) => {
    if (b === branch) return;
    if (heads.get(b) === undefined) {
      await repo.checkout({ target: 'HEAD', create: b });
      heads.set(b, heads.get(branch)!);
      tables.set(b, tables.get(branch)!);
    } else await repo.checkout({ target: b });
    branch = b;
  };
  await commitTable(
    [0, 1, 2].map((slot) => newRow(shape, slot, slot)),
    'load',
    AUTHORS[0],
  );
  for (const [n, step] of steps.entries()) {
    if (step.kind === 'commit') {
      minutes += step.minutes;
      await switchTo(BRANCHES[step.branch]);
      await commitTable(applyEdits(shape, tables.get(branch)!, step.edits), `c${n}`, AUTHORS[step.author]);
    } else if (step.kind === 'merge') {
      const [into, from] = [BRANCHES[step.into], BRANCHES[step.from]];
      if (into === from || !heads.has(from)) continue;
      minutes += step.minutes;
      await switchTo(into);
      if (heads.get(from) === heads.get(into)) continue;
      const merged = mergeTables(shape, tables.get(into)!, tables.get(from)!, step.picks);
      await commitTable(merged, `merge ${from} into ${into}`, AUTHORS[2], [heads.get(from)!]);
    } else {
      await switchTo(BRANCHES[step.branch]);
      await repo.rm('orders', true);
      await fsp.writeFile(file, csv(shape, tables.get(branch)!));
      await repo.add({ paths: ['orders.csv'], cwd: repo.root, ...keyOpt() });
      const r = await repo.commit({ message: `refresh${n}`, author: AUTHORS[1] }).then(commitMade, nothingToCommit);
      if (r) {
        commits.set(r.oid, r.parents);
        heads.set(branch, r.oid);
      }
    }
  }
  return { commits, head: heads.get(branch)! };
}

/** A fresh repository in a temporary directory for the body, removed afterwards. */
export async function withRepo<T>(body: (repo: Repo) => Promise<T>): Promise<T> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-blame-'));
  try {
    return await body(await Repo.init(dir));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
