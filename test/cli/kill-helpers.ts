import { promises as fsp, readFileSync, watch } from 'node:fs';
import { Engine } from '../../src/engine/db.js';
import { quoteLiteral } from '../../src/engine/quote.js';
import { spawnCli, type TempRepo } from '../helpers.js';

/** A seeded random number generator (mulberry32): the kill tests' instants replay from their seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many kills each verb gets. The default is cheap enough for `npm test`, with the instants spread
 * evenly over the time the verb holds the repository lock (where the chunk, manifest, commit and ref
 * writes happen); `LAKEGIT_KILL_ROUNDS=5` runs five times as many (the heavy version), and
 * `LAKEGIT_KILL_RUNS` sets the count per round.
 */
export function killCount(perRound: number): number {
  return Number(process.env.LAKEGIT_KILL_RUNS ?? perRound) * Number(process.env.LAKEGIT_KILL_ROUNDS ?? 1);
}

/**
 * Kill instants (ms after the lock is taken) for `runs` kills over a lock held `heldMs`: one instant
 * per equal slice of 1.1 × heldMs, at a seeded random place within its slice, so every part of the
 * locked run (and just after it) is hit, in a shuffled order that replays from the seed.
 */
export function spreadInstants(heldMs: number, runs: number, seed: number): number[] {
  const random = rng(seed);
  const slice = (heldMs * 1.1) / runs;
  const instants = Array.from({ length: runs }, (_, i) => Math.floor(slice * (i + random())));
  for (let i = instants.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [instants[i], instants[j]] = [instants[j], instants[i]];
  }
  return instants;
}

/**
 * The kill delays of a run: the spread instants, then, while one outcome (the state before or the
 * state after) has not occurred, up to six more aimed at it: earlier and earlier for "before", past
 * the calibrated end for "after". How long a verb holds the lock before its ref moves varies with
 * the machine's load; both outcomes must occur or the kills said nothing about one side.
 */
export function* killDelays(instants: number[], heldMs: number, outcomes: { old: number; new: number }): Generator<number> {
  yield* instants;
  for (let extra = 0; extra < 6 && (outcomes.old === 0 || outcomes.new === 0); extra++)
    yield outcomes.old === 0 ? Math.floor(Math.min(...instants) / 2 ** (extra + 1)) : Math.round(heldMs * (1.2 + extra / 2));
}

export interface KillResult {
  code: number | null;
  stderr: string;
  /** ms from the moment this process took the lock to its exit (undefined if it never took it). */
  heldMs?: number;
}

/**
 * Run the CLI and SIGKILL it `delay` ms after it took the repository lock (`.lakegit/lakegit.lock`
 * holding its pid), unless it ended first. The process start and DuckDB load before the lock move
 * no data, so the kills go where the writes are. Resolves with its exit code (null if killed).
 */
export function killInLock(repo: TempRepo, args: string[], delay: number): Promise<KillResult> {
  const lockFile = repo.path('.lakegit/lakegit.lock');
  const child = spawnCli(repo.dir, args);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let lockedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onLock = () => {
    if (lockedAt !== undefined) return;
    try {
      if ((JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number }).pid !== child.pid) return;
    } catch {
      return; // not there, or created and not yet written: the write fires another event
    }
    lockedAt = Date.now();
    timer = setTimeout(() => child.kill('SIGKILL'), delay);
  };
  const watcher = watch(repo.path('.lakegit'), (_event, name) => {
    if (name === 'lakegit.lock') onLock();
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      watcher.close();
      resolve({ code, stderr, heldMs: lockedAt === undefined ? undefined : Date.now() - lockedAt });
    }),
  );
}

/** Whether the working file `orders.csv` holds exactly the rows of this CSV text (values, not formatting or order). */
export async function holdsRows(repo: TempRepo, csv: string): Promise<boolean> {
  const engine = await Engine.get();
  const expected = repo.path(`../expected-${process.pid}.csv`);
  await fsp.writeFile(expected, csv);
  try {
    const read = (f: string) => `SELECT * FROM read_csv(${quoteLiteral(f)}, header = true)`;
    const diff = await engine.value(`SELECT count(*) FROM ((${read(repo.path('orders.csv'))} EXCEPT ALL ${read(expected)})
      UNION ALL (${read(expected)} EXCEPT ALL ${read(repo.path('orders.csv'))}))`);
    return Number(diff) === 0;
  } finally {
    await fsp.rm(expected, { force: true });
  }
}
