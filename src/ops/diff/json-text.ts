import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Engine, Params } from '../../engine/db.js';
import { quoteLiteral } from '../../engine/quote.js';

/**
 * From how many changed rows a table's JSON text is written by DuckDB to a file per key range
 * (`copiedJsonText`) rather than streamed through the client. Below it the file costs more than it
 * saves. Tests set it to 0 so that the oracles go through the file path.
 */
export const jsonTuning = { fileRows: 20_000 };

/** One query whose rows are JSON text (`__lakegit_json`, see Comparison.jsonSql), with its parameters. */
export interface JsonPart {
  sql: (limit?: number) => string;
  params?: Params;
}

/** Bytes read from a text file at a time. */
const BLOCK = 1 << 20;
const NEWLINE = 0x0a;

/**
 * The rows of `parts`, in order, as their JSON texts joined by `,\n`, in pieces (text or UTF-8
 * bytes, each cut at a line end so no character is split), at most `limit` rows. DuckDB writes each
 * part with its parallel CSV writer (one column, nothing quoted: every line is `<json>,`) to a
 * temporary file, which is then handed on as bytes: no JavaScript string per row. The next part is
 * written while the previous one is being read.
 */
export async function* copiedJsonText(engine: Engine, parts: readonly JsonPart[], limit?: number): AsyncGenerator<string | Uint8Array> {
  if (parts.length === 0 || (limit ?? 1) <= 0) return;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-diff-'));
  let left = limit ?? Infinity;
  let sep = '';
  let next = 0;
  const copy = (i: number): Promise<{ file: string; rows: number }> => {
    const file = path.join(dir, `part-${i}.txt`);
    const sql = parts[i].sql(Number.isFinite(left) ? left : undefined);
    const rows = engine.value(
      `COPY (SELECT __lakegit_json || ',' FROM (${sql})) TO ${quoteLiteral(file)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')`,
      parts[i].params,
    );
    return rows.then((n) => ({ file, rows: Number(n) }));
  };
  let pending: Promise<{ file: string; rows: number }> | undefined;
  try {
    while (left > 0 && next < parts.length) {
      const { file, rows } = await (pending ?? copy(next));
      next++;
      left -= rows;
      // Without a limit, the next part's rows do not depend on this one's count: write it meanwhile.
      pending = limit === undefined && next < parts.length ? copy(next) : undefined;
      for await (const lines of fileLines(file)) {
        if (sep) yield sep;
        yield lines;
        sep = ',\n';
      }
      await fsp.rm(file, { force: true });
    }
  } finally {
    await pending?.catch(() => undefined);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/**
 * A file of lines `<text>,\n`, in blocks of whole lines with the last line's `,\n` left off (the
 * caller puts it back between blocks).
 */
async function* fileLines(file: string): AsyncGenerator<Uint8Array> {
  const fh = await fsp.open(file, 'r');
  try {
    let carry: Buffer | undefined;
    for (;;) {
      const block = Buffer.allocUnsafe(BLOCK);
      const { bytesRead } = await fh.read(block, 0, BLOCK, null);
      if (bytesRead === 0) break;
      const read = block.subarray(0, bytesRead);
      const buf = carry ? Buffer.concat([carry, read]) : read;
      const end = buf.lastIndexOf(NEWLINE);
      if (end < 0) {
        carry = buf;
        continue;
      }
      carry = end + 1 < buf.length ? Buffer.from(buf.subarray(end + 1)) : undefined;
      yield buf.subarray(0, end - 1);
    }
    if (carry?.length) throw new Error(`diff: unterminated line in ${file}`);
  } finally {
    await fh.close();
  }
}
