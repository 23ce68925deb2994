import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../engine/db.js';
import { quoteLiteral } from '../engine/quote.js';
import { tempName } from '../store/fsutil.js';
import { PARQUET_OPTIONS } from '../table/chunker.js';

const layout = (
  file: string,
) => `SELECT list(row_group_num_rows ORDER BY row_group_id, column_id)::VARCHAR || list(compression ORDER BY row_group_id, column_id)::VARCHAR
  FROM parquet_metadata(${quoteLiteral(file)})`;

/**
 * Whether a chunk whose rows hash to its id still differs from a fresh write of those rows: damage
 * the rows do not show, in the footer's statistics (which readers use to skip row groups) or
 * elsewhere. DuckDB writes Parquet deterministically, so the check runs only on files this very
 * DuckDB version wrote with the same row groups and compression; for others it says nothing.
 */
export async function rewriteDiffers(engine: Engine, file: string): Promise<boolean> {
  const createdBy = await engine.value<string>(`SELECT created_by FROM parquet_file_metadata(${quoteLiteral(file)})`);
  const version = await engine.value<string>('SELECT version()');
  if (!String(createdBy).startsWith(`DuckDB version ${version} `)) return false;
  const tmp = tempName(os.tmpdir(), `lakegit-fsck-${path.basename(file, '.parquet')}`, '.parquet');
  try {
    await engine.run(`COPY (SELECT * FROM read_parquet(${quoteLiteral(file)})) TO ${quoteLiteral(tmp)} (${PARQUET_OPTIONS})`);
    if ((await engine.value(layout(file))) !== (await engine.value(layout(tmp)))) return false;
    const [a, b] = await Promise.all([fsp.readFile(file), fsp.readFile(tmp)]);
    return !a.equals(b);
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}
