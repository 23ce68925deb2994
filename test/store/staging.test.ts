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
    fc.assert(fc.property(fc.integer({ min: -10_000, max: 1_000 }), (lag) => {
      // The stat was recorded `lag` ms after the file's mtime (negative: the clock disagrees).
      expect(statMatches({ ...base, at: base.mtimeMs + lag }, base)).toBe(false);
    }));
  });
});
