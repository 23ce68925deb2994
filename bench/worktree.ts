import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { statFile, statMatches, type StagingIndex } from '../src/store/staging.js';
import { lakegit } from './proc.js';

/** A lakegit repository's staging index, read as the file it is. */
export async function stagingIndex(lake: string): Promise<StagingIndex> {
  return JSON.parse(await fsp.readFile(path.join(lake, '.lakegit', 'lakegit-index.json'), 'utf8')) as StagingIndex;
}

/**
 * Bring the checked-out working file to the steady state a user merges from. lakegit records a
 * file's stat as of the start of its own write, so right after `checkout` the stat is "racily
 * clean" and proves nothing: the merge's safety check would re-read the whole file to see it is
 * unchanged. A `status` more than a second after the write re-reads it once and records a stat
 * it then trusts (as `git status` refreshes the index), as when a user works a while before
 * merging. Returns a problem if the recorded stat still cannot be trusted.
 */
export async function settle(lake: string): Promise<string[]> {
  const file = path.join(lake, 'orders.csv');
  const wait = (await fsp.stat(file)).mtimeMs + 1100 - Date.now();
  if (wait > 0) await sleep(wait);
  await lakegit(lake, ['status']);
  const index = await stagingIndex(lake);
  return statMatches(index.tables.orders?.stat, (await statFile(file))!)
    ? []
    : ['status left a racy stat for orders.csv: the timed command re-read it'];
}
