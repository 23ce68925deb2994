import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { Repo } from '../../src/repo.js';
import { resolveCommit } from '../../src/ops/revisions.js';
import { TEST_ENV, commitMade } from '../helpers.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

Object.assign(process.env, TEST_ENV);
afterAll(() => Repo.close());

/*
 * Random sequences of ref moves on a one-table lake: commit (a new value for a row), reset --hard
 * to an ancestor, checkout -b, checkout of an existing branch, branch -f. A model records where
 * HEAD and each branch point after every move, independently of the reflog code. Properties:
 * `HEAD@{n}` / `<branch>@{n}` resolve to the model's n-th previous position, `reflog` lists exactly
 * the model's moves, and after `gc --prune=now` every commit a live reflog entry names still reads
 * whole (fsck finds no missing chunk) — the rows of a reset-away commit survive gc.
 */
type Op =
  | { kind: 'commit'; value: number }
  | { kind: 'reset'; back: number }
  | { kind: 'branch'; n: number }
  | { kind: 'switch'; n: number }
  | { kind: 'force'; n: number; back: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('commit' as const), value: fc.integer({ min: 0, max: 99 }) }),
  fc.record({ kind: fc.constant('reset' as const), back: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('branch' as const), n: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('switch' as const), n: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('force' as const), n: fc.integer({ min: 0, max: 2 }), back: fc.integer({ min: 0, max: 2 }) }),
);

interface Model {
  head: string[]; // HEAD's positions, oldest first
  branches: Map<string, string[]>;
  current: string;
  parents: Map<string, string | undefined>;
}

const ancestorOf = (m: Model, oid: string, back: number): string | undefined => {
  let cur: string | undefined = oid;
  for (let i = 0; i < back && cur; i++) cur = m.parents.get(cur);
  return cur;
};

async function step(repo: Repo, dir: string, m: Model, op: Op): Promise<void> {
  const tip = m.head.at(-1)!;
  const move = (branch: string | undefined, oid: string) => {
    if (branch) m.branches.set(branch, [...(m.branches.get(branch) ?? []), oid]);
    m.head.push(oid);
  };
  if (op.kind === 'commit') {
    await fsp.writeFile(path.join(dir, 't.csv'), `id,v\n1,${op.value}\n2,${m.head.length}\n`);
    const { oid } = commitMade(await repo.commit({ message: `v=${op.value}`, all: true }));
    m.parents.set(oid, tip);
    move(m.current, oid);
  } else if (op.kind === 'reset') {
    const to = ancestorOf(m, tip, op.back);
    if (!to || to === tip) return;
    await repo.reset(to, 'hard');
    move(m.current, to);
  } else if (op.kind === 'branch') {
    const name = `b${op.n}`;
    if (m.branches.has(name)) return;
    await repo.checkout({ target: 'HEAD', create: name });
    m.branches.set(name, [tip]);
    m.current = name;
    m.head.push(tip); // checkout -b logs a move of HEAD even to the same commit, as git does
  } else if (op.kind === 'switch') {
    const name = [...m.branches.keys()].sort()[op.n % m.branches.size];
    if (name === m.current) return;
    await repo.checkout({ target: name });
    m.current = name;
    m.head.push(m.branches.get(name)!.at(-1)!);
  } else {
    const name = `b${op.n}`;
    const to = ancestorOf(m, tip, op.back);
    const log = m.branches.get(name);
    if (!to || !log || name === m.current || log.at(-1) === to) return;
    await repo.createBranch(name, to, true);
    log.push(to);
  }
}

describe('reflog: an independent model of every ref move', () => {
  it('HEAD@{n} and branch@{n} follow the model; gc --prune=now keeps every commit a live entry names', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 2, maxLength: 6 }), async (ops) => {
        const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-reflog-prop-'));
        try {
          await fsp.writeFile(path.join(dir, 't.csv'), 'id,v\n1,0\n2,0\n');
          await Repo.init(dir);
          const repo = await Repo.open(dir);
          await repo.add({ paths: ['t.csv'], cwd: dir, key: ['id'] });
          const { oid } = commitMade(await repo.commit({ message: 'load' }));
          const m: Model = { head: [oid], branches: new Map([['main', [oid]]]), current: 'main', parents: new Map([[oid, undefined]]) };
          // Always end by resetting two fresh commits away: their rows are then reachable only from the reflog.
          const tail: Op[] = [
            { kind: 'commit', value: 100 },
            { kind: 'commit', value: 101 },
            { kind: 'reset', back: 2 },
          ];
          for (const op of [...ops, ...tail]) await step(repo, dir, m, op);

          expect((await repo.reflog()).map((e) => e.commit)).toEqual([...m.head].reverse());
          for (let n = 0; n < m.head.length; n++) expect(await resolveCommit(repo.ctx, `HEAD@{${n}}`)).toBe(m.head.at(-1 - n));
          for (const [name, log] of m.branches) {
            for (let n = 0; n < log.length; n++) expect(await resolveCommit(repo.ctx, `${name}@{${n}}`)).toBe(log.at(-1 - n));
          }
          await repo.gc({ prune: 'now' });
          expect((await repo.fsck()).problems).toEqual([]);
          for (const c of new Set(m.head)) {
            await repo.sql(`select count(*) as n from t@${c}`); // reads the chunks of every commit HEAD was on
          }
        } finally {
          await fsp.rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 6, seed: 20261206 },
    );
  }, 300_000);
});
