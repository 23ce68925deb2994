import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { PARQUET_OPTIONS, PARQUET_OPTIONS_BEFORE, PARQUET_OPTIONS_PLAIN } from '../table/parquet-options.js';

const layout = (
  file: string,
) => `SELECT list(row_group_num_rows ORDER BY row_group_id, column_id)::VARCHAR || list(compression ORDER BY row_group_id, column_id)::VARCHAR
  FROM parquet_metadata(${quoteLiteral(file)})`;

/**
 * Whether a chunk whose rows hash to its id still differs from a fresh write of those rows: damage
 * the rows do not show, in the footer's statistics (which readers use to skip row groups) or
 * elsewhere. DuckDB writes Parquet deterministically, so the check runs only on files this very
 * DuckDB version wrote with the same row groups and compression; for others it says nothing. A chunk
 * written with the writer options of before (`PARQUET_OPTIONS_BEFORE`) is compared with a rewrite
 * under those too: it differs only when it matches none.
 */
export async function rewriteDiffers(engine: Engine, file: string): Promise<boolean> {
  const createdBy = await engine.value<string>(`SELECT created_by FROM parquet_file_metadata(${quoteLiteral(file)})`);
  const version = await engine.value<string>('SELECT version()');
  if (!String(createdBy).startsWith(`DuckDB version ${version} `)) return false;
  // A file without a dictionary page was most likely written plain: that rewrite first, so it costs one.
  const dictionaries = Number(await engine.value(`SELECT count(dictionary_page_offset) FROM parquet_metadata(${quoteLiteral(file)})`));
  const tries =
    dictionaries > 0
      ? [PARQUET_OPTIONS, ...PARQUET_OPTIONS_BEFORE, PARQUET_OPTIONS_PLAIN]
      : [PARQUET_OPTIONS_PLAIN, PARQUET_OPTIONS, ...PARQUET_OPTIONS_BEFORE];
  let differs = false;
  for (const options of tries) {
    const same = await sameAsRewrite(engine, file, options);
    if (same === true) return false;
    differs ||= same === false;
  }
  return differs;
}

/** Whether the file is byte for byte a rewrite of its rows with `options`; undefined when their layouts differ. */
async function sameAsRewrite(engine: Engine, file: string, options: string): Promise<boolean | undefined> {
  const tmp = tempName(os.tmpdir(), `lakegit-fsck-${path.basename(file, '.parquet')}`, '.parquet');
  const threads = Number(await engine.value("SELECT current_setting('threads')"));
  try {
    // On one thread, as the chunk writer writes (src/table/chunker.ts): on two, where the row groups are cut
    // depends on the threads' timing, and a rewrite whose layout differs says nothing.
    if (threads > 1) await engine.run('SET threads = 1');
    try {
      await engine.run(`COPY (SELECT * FROM read_parquet(${quoteLiteral(file)})) TO ${quoteLiteral(tmp)} (${options})`);
    } finally {
      if (threads > 1) await engine.run(`SET threads = ${threads}`);
    }
    if ((await engine.value(layout(file))) !== (await engine.value(layout(tmp)))) return undefined;
    const [a, b] = await Promise.all([fsp.readFile(file), fsp.readFile(tmp)]);
    return a.equals(b);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}
