import { describe, expect, it } from 'vitest';
import { withTrailers } from '../../src/ops/commit.js';

const T = 'Lakegit-Allow-Check-Changes: Ann <ann@x.io>';

describe('commit: trailers the gates ask for', () => {
  it('withTrailers: one blank line before a new trailer block; joins an existing block; never repeats a trailer', () => {
    expect(withTrailers("Merge branch 'weaken'", [])).toBe("Merge branch 'weaken'\n");
    expect(withTrailers("Merge branch 'weaken'", [T])).toBe(`Merge branch 'weaken'\n\n${T}\n`);
    expect(withTrailers('subject\n\nbody text\n', [T])).toBe(`subject\n\nbody text\n\n${T}\n`);
    expect(withTrailers('subject\n\nSigned-off-by: Bob <b@x>\n', [T])).toBe(`subject\n\nSigned-off-by: Bob <b@x>\n${T}\n`);
    expect(withTrailers(`subject\n\n${T}\n`, [T, T])).toBe(`subject\n\n${T}\n`);
  });
});
