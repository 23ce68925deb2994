import { closeSync, createReadStream, openSync, readSync } from 'node:fs';

export interface CsvProblem {
  line: number;
  message: string;
}

/**
 * Find the first structural fault of a delimited file the way RFC 4180 reads it: a record whose
 * field count differs from the header's, or a quote left open at the end. Used only to explain
 * why DuckDB refused a file (its sniffer names no line); streams, so a big file costs one pass.
 */
export async function findCsvProblem(file: string, delim: string): Promise<CsvProblem | undefined> {
  const D = delim.charCodeAt(0);
  const Q = 34;
  let line = 1;
  let recordLine = 1;
  let fields = 1;
  let expected = -1;
  let quoted = false;
  let afterQuote = false;
  let empty = true;
  const endRecord = (): CsvProblem | undefined => {
    if (expected < 0) expected = fields;
    else if (!empty && fields !== expected) {
      return { line: recordLine, message: `expected ${expected} fields, found ${fields}` };
    }
    fields = 1;
    empty = true;
    recordLine = line;
    return undefined;
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === 10) line++;
      if (quoted) {
        if (c === Q) {
          quoted = false;
          afterQuote = true;
        }
        continue;
      }
      if (c === Q) {
        quoted = true;
        if (!afterQuote) empty = false;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (c === D) {
        fields++;
        empty = false;
      } else if (c === 10) {
        const p = endRecord();
        if (p) return p;
      } else if (c !== 13) empty = false;
    }
  }
  if (quoted) return { line: recordLine, message: 'a quoted field is never closed' };
  return endRecord();
}

/** The field names of a delimited file's first record, unquoted; undefined for an empty file. */
export async function readHeader(file: string, delim: string): Promise<string[] | undefined> {
  const names: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 65536 }) as AsyncIterable<string>) {
    for (const ch of chunk) {
      if (quoted) {
        if (ch === '"') {
          quoted = false;
          afterQuote = true;
        } else field += ch;
        continue;
      }
      if (ch === '"') {
        if (afterQuote) field += '"';
        quoted = true;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (ch === delim) {
        names.push(field);
        field = '';
      } else if (ch === '\n') {
        names.push(field.replace(/\r$/, ''));
        return names;
      } else field += ch;
    }
  }
  if (names.length === 0 && field === '') return undefined;
  names.push(field.replace(/\r$/, ''));
  return names;
}

/**
 * The delimiter of a .csv file, from its header line: a comma, or else the semicolon or bar the
 * header uses (a common export from spreadsheets). Deciding it from the header alone keeps a
 * malformed row from talking DuckDB's sniffer into another dialect.
 */
export function csvDelimiter(file: string): string {
  let head = '';
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(65536);
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return ',';
  }
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['|', 0],
  ]);
  let quoted = false;
  for (const ch of head) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '\n') break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  return [...counts].find(([, n]) => n > 0)?.[0] ?? ',';
}
