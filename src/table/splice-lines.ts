import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { tempName } from '../store/fsutil.js';
import { rawLinesSql } from './lineslots.js';
import { copyEdited } from './splice-copy.js';

/**
 * Removing and appending lines of a text file that has no line index (keyless-write.ts): each line
 * to replace or drop is named by its number and the hash DuckDB gave its text, which is checked on
 * the copy's way, so a file that changed since those hashes were read is left as it is.
 */
interface Edit {
  /** `hash()` of the line's text now, checked before the new file replaces the old. */
  hash: string;
  /** Its replacement; undefined removes the line. */
  text?: string;
}

/**
 * Copy `abs` into a temporary file beside it: data line `n` (0-based, after the header) with an
 * edit is replaced or dropped, every other byte copied; `appended` lines go at the end. The replaced
 * lines' old text must hash as the line index says; then the temporary file replaces `abs`
 * atomically. False (and `abs` untouched) if the file is not what the line index says: another
 * line count, a line not holding the expected text, or a CR.
 */
export async function splice(
  engine: Engine,
  abs: string,
  header: boolean,
  rows: number,
  edits: Map<number, Edit>,
  appended: string[],
): Promise<boolean> {
  const targets = [...edits.keys()].sort((a, b) => a - b);
  const tmp = tempName(path.dirname(abs), path.basename(abs), '');
  const olds: Buffer[] = [];
  let done = false;
  try {
    const copied = copyEdited(abs, tmp, header, rows, targets, edits, appended, olds, { marks: [] });
    done =
      copied !== undefined &&
      (await hashesMatch(
        engine,
        tmp,
        olds,
        targets.map((t) => edits.get(t)!.hash),
      ));
    if (done) await fsp.rename(tmp, abs);
  } finally {
    if (!done) await fsp.rm(tmp, { force: true });
  }
  return done;
}

/** Do the replaced lines' old texts (in line order) hash as the index says? Hashed by DuckDB as the index's lines were. */
async function hashesMatch(engine: Engine, beside: string, olds: Buffer[], hashes: string[]): Promise<boolean> {
  if (olds.length === 0) return true;
  const file = `${beside}.old`;
  try {
    await fsp.writeFile(file, Buffer.concat(olds.flatMap((b) => [b, Buffer.from('\n')])));
    const got = await engine.all(`SELECT hash(__lakegit_line)::VARCHAR AS h FROM ${rawLinesSql(file, 'jsonl')}`);
    return got.length === hashes.length && got.every((r, i) => String(r.h) === hashes[i]);
  } finally {
    await fsp.rm(file, { force: true });
  }
}
