/**
 * A lexer for DuckDB SQL, just deep enough to find table references. DuckDB has no API that
 * returns token positions, and `orders@v1` is not SQL, so it must be found (and replaced) before
 * DuckDB parses the query: strings, comments and quoted identifiers are skipped whole so that an
 * `@` inside them is never mistaken for a reference.
 */

export type TokenKind = 'space' | 'comment' | 'string' | 'ident' | 'quoted' | 'number' | 'param' | 'ref' | 'punct';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** ident: the name as written; quoted: the name unquoted; ref: the table name. */
  name?: string;
  /** ref only: the revision after `@`. */
  rev?: string;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DIGIT = /[0-9]/;
/** Characters a revision may hold: ref names (`feature/x`, `v1.0`), ids, `~N`, `^N`. */
const REV_START = /[A-Za-z0-9_]/;
const REV_PART = /[A-Za-z0-9_\-./~^]/;
const REFLOG_SELECTOR = /^@\{\d+\}/;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const start = i;
    const { kind, end, name } = scanOne(sql, i);
    i = end;
    if ((kind === 'ident' || kind === 'quoted') && sql[i] === '@' && sql[i + 1] === '"') {
      // A quoted revision, as a quoted table name: `orders@"feature/x"`.
      const revEnd = quotedEnd(sql, i + 1, '"', false);
      tokens.push({ kind: 'ref', start, end: revEnd, name, rev: sql.slice(i + 2, revEnd - 1).replaceAll('""', '"') });
      i = revEnd;
      continue;
    }
    if ((kind === 'ident' || kind === 'quoted') && sql[i] === '@' && REV_START.test(sql[i + 1] ?? '')) {
      let revEnd = scanRev(sql, i + 1);
      // A reflog selector belongs to the revision: `orders@main@{1}`.
      if (sql[revEnd] === '@' && sql[revEnd + 1] === '{') revEnd = Math.max(revEnd, sql.indexOf('}', revEnd) + 1);
      tokens.push({ kind: 'ref', start, end: revEnd, name, rev: sql.slice(i + 1, revEnd) });
      i = revEnd;
      continue;
    }
    tokens.push({ kind, start, end, ...(name !== undefined ? { name } : {}) });
  }
  return tokens;
}

function scanOne(sql: string, i: number): { kind: TokenKind; end: number; name?: string } {
  const c = sql[i];
  const next = sql[i + 1] ?? '';
  if (/\s/.test(c)) {
    let j = i + 1;
    while (j < sql.length && /\s/.test(sql[j])) j++;
    return { kind: 'space', end: j };
  }
  if (c === '-' && next === '-') {
    const nl = sql.indexOf('\n', i);
    return { kind: 'comment', end: nl < 0 ? sql.length : nl };
  }
  if (c === '/' && next === '*') return { kind: 'comment', end: blockCommentEnd(sql, i) };
  if (c === "'") return { kind: 'string', end: quotedEnd(sql, i, "'", false) };
  if ((c === 'e' || c === 'E') && next === "'") return { kind: 'string', end: quotedEnd(sql, i + 1, "'", true) };
  if (c === '"') {
    const end = quotedEnd(sql, i, '"', false);
    return { kind: 'quoted', end, name: sql.slice(i + 1, end - 1).replaceAll('""', '"') };
  }
  if (c === '$') return scanDollar(sql, i);
  if (IDENT_START.test(c)) {
    let j = i + 1;
    while (j < sql.length && IDENT_PART.test(sql[j])) j++;
    return { kind: 'ident', end: j, name: sql.slice(i, j) };
  }
  if (DIGIT.test(c) || (c === '.' && DIGIT.test(next))) {
    let j = i + 1;
    while (j < sql.length && /[0-9A-Za-z_.]/.test(sql[j])) j++;
    return { kind: 'number', end: j };
  }
  return { kind: 'punct', end: i + 1 };
}

/** End of a quoted run starting at `open`; the quote doubled escapes it, and backslash too in E''. */
function quotedEnd(sql: string, open: number, q: string, backslash: boolean): number {
  let j = open + 1;
  while (j < sql.length) {
    const ch = sql[j];
    if (backslash && ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === q) {
      if (sql[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length;
}

/** Block comments nest in DuckDB (as in PostgreSQL). */
function blockCommentEnd(sql: string, open: number): number {
  let depth = 0;
  let j = open;
  while (j < sql.length) {
    if (sql.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (sql.startsWith('*/', j)) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else {
      j++;
    }
  }
  return sql.length;
}

/** `$1` is a parameter; `$$…$$` and `$tag$…$tag$` are strings. */
function scanDollar(sql: string, i: number): { kind: TokenKind; end: number } {
  if (DIGIT.test(sql[i + 1] ?? '')) {
    let j = i + 1;
    while (j < sql.length && DIGIT.test(sql[j])) j++;
    return { kind: 'param', end: j };
  }
  const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
  if (!tag) return { kind: 'punct', end: i + 1 };
  const close = sql.indexOf(tag[0], i + tag[0].length);
  return { kind: 'string', end: close < 0 ? sql.length : close + tag[0].length };
}

/** A revision runs over ref-name characters but stops before a comment opener and a trailing dot. */
function scanRev(sql: string, from: number): number {
  let j = from;
  while (j < sql.length) {
    if (sql.startsWith('--', j) || sql.startsWith('/*', j)) break;
    const selector = REFLOG_SELECTOR.exec(sql.slice(j, j + 24)); // `HEAD@{2}`: a reflog entry
    if (selector) j += selector[0].length;
    else if (REV_PART.test(sql[j])) j++;
    else break;
  }
  while (j > from + 1 && sql[j - 1] === '.') j--;
  return j;
}

/** A reference to a table at a revision, found in a query. */
export interface RevRef {
  table: string;
  rev: string;
  start: number;
  end: number;
}

export interface QueryRefs {
  /** `name@rev` and `"quoted name"@rev`, in order of appearance. */
  revRefs: RevRef[];
  /** Every other identifier: unquoted ones as written, quoted ones unquoted. */
  names: { name: string; quoted: boolean }[];
}

export function findRefs(sql: string): QueryRefs {
  const revRefs: RevRef[] = [];
  const names: QueryRefs['names'] = [];
  for (const t of tokenize(sql)) {
    if (t.kind === 'ref') revRefs.push({ table: t.name!, rev: t.rev!, start: t.start, end: t.end });
    else if (t.kind === 'ident' || t.kind === 'quoted') names.push({ name: t.name!, quoted: t.kind === 'quoted' });
  }
  return { revRefs, names };
}

/** The query with each reference's text replaced. */
export function replaceRefs(sql: string, refs: readonly RevRef[], replacement: (ref: RevRef) => string): string {
  let out = '';
  let at = 0;
  for (const r of [...refs].sort((a, b) => a.start - b.start)) {
    out += sql.slice(at, r.start) + replacement(r);
    at = r.end;
  }
  return out + sql.slice(at);
}
