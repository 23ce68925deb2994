import { describe, expect, it } from 'vitest';
import { graphLines } from '../../../src/cli/render/graph.js';
import { renderTable } from '../../../src/cli/render/table.js';
import { chars as displayWidth, cut as cutToWidth, pad as padToWidth } from '../../../src/cli/render/width.js';

describe('render/width and graph', () => {
  it('measures wide characters as two columns and cuts and pads by columns', () => {
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('abc')).toBe(3);
    expect(cutToWidth('日本語テキスト', 5)).toBe('日本…');
    expect(padToWidth('日本', 6)).toBe('日本  ');
    expect(padToWidth('1', 3, 'right')).toBe('  1');
    expect(
      renderTable(
        ['k', 'v'],
        [
          ['日本', 1],
          ['x', 22],
        ],
      ),
    ).toBe('k      v\n----  --\n日本   1\nx     22');
  });

  it('draws a branch and its merge as git log --graph does', () => {
    const c = (commit: string, ...parents: string[]) => ({ commit, parents });
    const lines = graphLines([c('m', 'a', 'b'), c('b', 'o'), c('a', 'o'), c('o')], (x) => [x.commit]);
    expect(lines).toEqual(['* m', '|\\', '| * b', '* | a', '|/', '* o']);
    const linear = graphLines([c('b', 'a'), c('a')], (x) => [x.commit, 'body']);
    expect(linear).toEqual(['* b', '|  body', '* a', '   body']);
  });
});
