import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statMatches } from '../../src/store/staging.js';

describe('statMatches', () => {
  const base = { size: 100, mtimeMs: 1_000_000, ino: 7 };

  it('statMatches: a file untouched since long before its stat was recorded is trusted', () => {
    expect(statMatches({ ...base, at: base.mtimeMs + 5_000 }, base)).toBe(true);
  });

  it('statMatches: any change of size, mtime or inode is not', () => {
    const rec = { ...base, at: base.mtimeMs + 5_000 };
    expect(statMatches(rec, { ...base, size: 101 })).toBe(false);
    expect(statMatches(rec, { ...base, mtimeMs: base.mtimeMs + 1 })).toBe(false);
    expect(statMatches(rec, { ...base, ino: 8 })).toBe(false);
    expect(statMatches(undefined, base)).toBe(false);
  });

  it('statMatches: racily clean — a file modified within a second of its recorded stat is never trusted', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000, max: 1_000 }), (lag) => {
        // The stat was recorded `lag` ms after the file's mtime (negative: the clock disagrees).
        expect(statMatches({ ...base, at: base.mtimeMs + lag }, base)).toBe(false);
      }),
    );
  });
});

describe('statMatches with the file system clock (settledNs)', () => {
  const ns = 1_000_000_000_000n;
  const now = { size: 100, mtimeMs: Number(ns) / 1e6, ino: 7, mtimeNs: String(ns) };

  it('statMatches: a stat recorded once the file system clock had passed the mtime is trusted at once', () => {
    // `at` right after the write: the one-second rule alone would call it racy.
    expect(statMatches({ ...now, at: now.mtimeMs + 5, settledNs: String(ns + 1n) }, now)).toBe(true);
  });

  it('statMatches: a settled stat still sees any change, and a clock reading not past the mtime proves nothing', () => {
    const rec = { ...now, at: now.mtimeMs + 5, settledNs: String(ns + 4_000_000n) };
    // A later write, even of the same size and in the same millisecond, has a later mtime.
    expect(statMatches(rec, { ...now, mtimeNs: String(ns + 1n) })).toBe(false);
    expect(statMatches(rec, { ...now, size: 101 })).toBe(false);
    expect(statMatches(rec, { ...now, ino: 8 })).toBe(false);
    fc.assert(
      fc.property(fc.bigInt({ min: -5_000_000n, max: 0n }), (lag) => {
        expect(statMatches({ ...now, at: now.mtimeMs + 5, settledNs: String(ns + lag) }, now)).toBe(false);
      }),
    );
  });
});
