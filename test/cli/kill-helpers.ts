import { promises as fsp } from 'node:fs';
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

/** Run the CLI, SIGKILL it after `delay` ms unless it ended; resolves with its exit code (null if killed). */
export function killAfter(repo: TempRepo, args: string[], delay: number): Promise<{ code: number | null; ms: number; stderr: string }> {
  const start = Date.now();
  const child = spawnCli(repo.dir, args);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), delay);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, ms: Date.now() - start, stderr });
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
