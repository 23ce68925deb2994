import stringWidth from 'string-width';

/**
 * Text measured as a terminal shows it (string-width: wide CJK characters count two columns,
 * combining marks and colour codes none), so columns stay aligned whatever the data holds.
 */
export const displayWidth = (s: string): number => (/^[\x20-\x7e]*$/.test(s) ? s.length : stringWidth(s));

const segmenter = new Intl.Segmenter();

/** `s` cut to at most `width` columns, ending in `…` when cut. */
export function cutToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(s)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `s` padded with spaces to `width` columns, on the right (left-aligned) or the left. */
export function padToWidth(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'right' ? fill + s : s + fill;
}
