import stringWidth from 'string-width';

/*
 * Cutting and padding to a column width, written once. Apart from text.ts because string-width
 * compiles its Unicode property patterns when it loads (~40 ms of CPU): only the verbs that print
 * aligned columns (tables, blame) load it, not every verb that prints a counts line.
 */

/**
 * Text measured as a terminal shows it (string-width: wide CJK characters take two columns,
 * combining marks and colour codes none), so columns stay aligned whatever the data holds.
 */
export const chars = (s: string): number => (/^[\x20-\x7e]*$/.test(s) ? s.length : stringWidth(s));

/** Made on first use: the first `Intl.Segmenter` in a process loads ICU's break data (~15 ms of CPU). */
let segmenter: Intl.Segmenter | undefined;

/** `s` cut to at most `width` columns, ending in `…` when it was wider. */
export function cut(s: string, width: number): string {
  if (chars(s) <= width) return s;
  let out = '';
  let used = 0;
  for (const { segment } of (segmenter ??= new Intl.Segmenter()).segment(s)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `s` padded with spaces to `width` columns, on the right (or, for `right`, on the left). */
export function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - chars(s)));
  return align === 'right' ? fill + s : s + fill;
}
