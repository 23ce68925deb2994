/**
 * git's config file syntax, read byte by byte as git's own parser (config.c: `git_parse_source`,
 * `get_base_var`, `get_value`, `parse_value`) reads it, so that a key and its value come out as
 * `git config` prints them: section and key names lower-cased, `[section "Sub"]` keeping its
 * subsection's case, `[section.Sub]` lower-casing it; a value's unquoted runs of blanks become as
 * many spaces, leading and trailing ones dropped, `"…"` keeping them, `\"` `\\` `\n` `\t` `\b`
 * escapes, a trailing `\` joining the next line, `#` and `;` starting a comment outside quotes.
 */

/** `[canonical key, value]`; `null` for a key written without `=` (git's boolean true). */
export type Entry = [string, string | null];

const NL = 0x0a;
const CR = 0x0d;
const EOF = -1;
/** git's sane_ctype: only these four are blanks (not \v or \f), and only ASCII letters and digits count. */
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === NL || c === CR;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isKeyChar = (c: number) => isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);

class Syntax extends Error {}
const fail = (): never => {
  throw new Syntax();
};

/** The entries of one config file in order, or `undefined` where git would refuse the file (a bad line). */
export function parseGitConfig(bytes: Uint8Array): Entry[] | undefined {
  try {
    return new Reader(bytes).entries();
  } catch (e) {
    if (e instanceof Syntax) return undefined;
    throw e;
  }
}

class Reader {
  private pos = 0;
  private eof = false;
  constructor(private readonly bytes: Uint8Array) {
    // A UTF-8 byte order mark at the very start is skipped.
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) this.pos = 3;
    // git reads values as C strings: a NUL would cut one where we would not.
    if (bytes.includes(0)) fail();
  }

  /** git's `get_next_char`: CRLF reads as LF, and the end of the file as one more LF. */
  private next(): number {
    let c = this.pos < this.bytes.length ? this.bytes[this.pos++] : EOF;
    if (c === CR && this.bytes[this.pos] === NL) c = this.bytes[this.pos++];
    if (c === EOF) {
      this.eof = true;
      return NL;
    }
    return c;
  }

  entries(): Entry[] {
    const out: Entry[] = [];
    let section: number[] | undefined; // the header's name with its trailing '.'
    let comment = false;
    for (;;) {
      const c = this.next();
      if (c === NL) {
        if (this.eof) return out;
        comment = false;
        continue;
      }
      if (comment || isSpace(c)) continue;
      if (c === 0x23 || c === 0x3b) {
        comment = true;
        continue;
      }
      if (c === 0x5b) {
        section = this.header();
        continue;
      }
      if (!isAlpha(c)) fail();
      out.push(this.variable([...(section ?? []), lower(c)]));
    }
  }

  /** `[name]`, `[name.sub]` (all lower-cased) or `[name "Sub"]` (the subsection as written, with \-escapes). */
  private header(): number[] {
    const name: number[] = [];
    for (;;) {
      const c = this.next();
      if (this.eof) fail();
      if (c === 0x5d) break;
      if (isSpace(c)) {
        this.subsection(name, c);
        break;
      }
      if (!isKeyChar(c) && c !== 0x2e) fail();
      name.push(lower(c));
    }
    if (name.length < 1) fail();
    name.push(0x2e);
    return name;
  }

  private subsection(name: number[], first: number): void {
    let c = first;
    do {
      if (c === NL) fail();
      c = this.next();
    } while (isSpace(c));
    if (c !== 0x22) fail();
    name.push(0x2e);
    for (;;) {
      c = this.next();
      if (c === NL) fail();
      if (c === 0x22) break;
      if (c === 0x5c) {
        c = this.next();
        if (c === NL) fail();
      }
      name.push(c);
    }
    if (this.next() !== 0x5d) fail();
  }

  /** git's `get_value`: the rest of the key's name, then nothing (a boolean) or `= value`. */
  private variable(name: number[]): Entry {
    let c: number;
    for (;;) {
      c = this.next();
      if (this.eof || !isKeyChar(c)) break;
      name.push(lower(c));
    }
    while (c === 0x20 || c === 0x09) c = this.next();
    const key = Buffer.from(name).toString('utf8');
    if (c === NL) return [key, null];
    if (c !== 0x3d) fail();
    return [key, this.value()];
  }

  /** git's `parse_value`. */
  private value(): string {
    const out: number[] = [];
    let quote = false;
    let comment = false;
    let space = 0;
    for (;;) {
      let c = this.next();
      if (c === NL) {
        if (quote) fail();
        return Buffer.from(out).toString('utf8');
      }
      if (comment) continue;
      if (isSpace(c) && !quote) {
        if (out.length) space++;
        continue;
      }
      if (!quote && (c === 0x3b || c === 0x23)) {
        comment = true;
        continue;
      }
      for (; space; space--) out.push(0x20);
      if (c === 0x5c) {
        c = this.next();
        if (c === NL) continue;
        else if (c === 0x74) c = 0x09;
        else if (c === 0x62) c = 0x08;
        else if (c === 0x6e) c = NL;
        else if (c !== 0x5c && c !== 0x22) fail();
        out.push(c);
        continue;
      }
      if (c === 0x22) {
        quote = !quote;
        continue;
      }
      out.push(c);
    }
  }
}
