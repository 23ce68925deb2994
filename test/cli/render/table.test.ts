import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../../src/cli/render/table.js';
import { cellText, csvField } from '../../../src/cli/render/text.js';

describe('render/table', () => {
  it('aligns columns, numbers to the right, NULL shown as NULL', () => {
    expect(
      renderTable(
        ['id', 'name'],
        [
          [1, 'a'],
          [20, null],
        ],
      ),
    ).toBe('id  name\n--  ----\n 1  a\n20  NULL');
  });

  it('a negative zero keeps its sign in a cell and a CSV field', () => {
    expect([cellText(-0), cellText(0), csvField(-0), csvField(0)]).toEqual(['-0', '0', '-0', '0']);
  });

  it('escapes line breaks and tabs so each row stays one line', () => {
    expect(cellText('a\nb\tc')).toBe('a\\nb\\tc');
    expect(renderTable(['s'], [['x\ny']]).split('\n')).toHaveLength(3);
  });

  it('shrinks the widest column first, then drops columns from the right with …', () => {
    const wide = renderTable(['a', 'b'], [['x'.repeat(30), 'y'.repeat(10)]], { width: 30 });
    expect(wide.split('\n').every((l) => [...l].length <= 30)).toBe(true);
    expect(wide).toContain('…');
    expect(wide).toContain('y'.repeat(10));
    const dropped = renderTable(['a', 'b', 'c'], [['aaaaaa', 'bbbbbb', 'cccccc']], { width: 12 });
    expect(dropped.split('\n')[0]).toMatch(/…$/);
  });

  it('never exceeds the width it is given, whatever the cells', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ maxLength: 20 }), { minLength: 3, maxLength: 3 }), { maxLength: 5 }),
        fc.integer({ min: 12, max: 80 }),
        (rows, width) => {
          const out = renderTable(['one', 'two', 'three'], rows, { width });
          for (const line of out.split('\n')) expect([...line].length).toBeLessThanOrEqual(width);
        },
      ),
    );
  });
});
