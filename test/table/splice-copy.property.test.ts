import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { copyEdited, type LineMark } from '../../src/table/splice-copy.js';

// #15: the patch's byte copy skips the per-line scan between line marks. Property: over random
// files (header or not, empty and unicode lines, a last line with or without its newline) and a
// chain of random patches, each patch given the marks the previous one returned (marks every few
// lines so they are used), the copy writes exactly the file a line-by-line edit gives, reports the
// replaced lines' old text, and its marks point at the starts of the lines they name. Marks that do
// not describe the file (moved, or a line count that is off) never give a wrong file unnoticed:
// the copy refuses, or its reported old lines differ from the true ones (which the hash check catches).
const RUNS = Number(process.env.LAKEGIT_PROP_RUNS ?? 100);
const SEED = Number(process.env.LAKEGIT_PROP_SEED ?? 1515);

const dir = mkdtempSync(path.join(os.tmpdir(), 'lakegit-splice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lineArb = fc
  .oneof(fc.constantFrom('', 'a', 'ü 🙂,x', '"q,"', 'long line '.repeat(5)), fc.string({ maxLength: 8 }))
  .map((s) => s.replace(/[\r\n]/g, '.'));
const patchArb = fc.record({
  edits: fc.array(fc.tuple(fc.nat(), fc.option(lineArb, { nil: undefined })), { maxLength: 8 }),
  appended: fc.array(lineArb, { maxLength: 3 }),
});
const caseArb = fc.record({
  header: fc.boolean(),
  lines: fc.array(lineArb, { minLength: 1, maxLength: 60 }),
  terminated: fc.boolean(),
  every: fc.integer({ min: 1, max: 6 }),
  patches: fc.array(patchArb, { minLength: 1, maxLength: 5 }),
  damage: fc.option(fc.tuple(fc.nat(), fc.integer({ min: -3, max: 3 }), fc.constantFrom('offset', 'line')), { nil: undefined }),
});

const text = (header: boolean, lines: string[], terminated: boolean) =>
  (header ? 'h1,h2\n' : '') + lines.join('\n') + (terminated ? '\n' : '');

/** Data line starts of a file, by reading it whole: what marks must agree with. */
function lineStarts(bytes: Buffer, header: boolean): number[] {
  const starts: number[] = [];
  let pos = header ? bytes.indexOf(10) + 1 : 0;
  while (pos < bytes.length) {
    starts.push(pos);
    const nl = bytes.indexOf(10, pos);
    pos = nl < 0 ? bytes.length : nl + 1;
  }
  return starts;
}

describe('splice copy', () => {
  it(`copies with marks exactly as a line-by-line edit (${RUNS} cases)`, () => {
    let n = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const file = path.join(dir, `f${++n}.csv`);
        const tmp = `${file}.tmp`;
        // Each line unique, as a keyed file's lines are (each holds its key).
        let id = 0;
        const unique = (l: string) => `${id++}:${l}`;
        let lines = c.lines.map(unique);
        writeFileSync(file, text(c.header, lines, c.terminated));
        let marks: LineMark[] = [];
        for (const [pi, p] of c.patches.entries()) {
          const edits = new Map<number, { text?: string; keep?: boolean }>();
          for (const [at, t] of p.edits) if (lines.length) edits.set(at % lines.length, { text: t === undefined ? t : unique(t) });
          // The line after each edit is read and kept as it is (a patch rehashes the block around a change).
          for (const [at] of p.edits)
            if (lines.length && !edits.has((at + 1) % lines.length)) edits.set((at + 1) % lines.length, { keep: true });
          const appended = p.appended.map(unique);
          const targets = [...edits.keys()].sort((a, b) => a - b);
          let given = marks;
          if (c.damage && pi === c.patches.length - 1 && marks.length) {
            const [i, by, what] = c.damage;
            given = marks.map((m, j) => (j === i % marks.length ? { ...m, [what]: Math.max(0, m[what] + by) } : m));
          }
          const olds: Buffer[] = [];
          const next = copyEdited(file, tmp, c.header, lines.length, targets, edits, appended, olds, {
            marks: given,
            every: c.every,
            sync: false,
          });
          const wanted = lines.flatMap((l, i) =>
            edits.has(i) && !edits.get(i)!.keep ? (edits.get(i)!.text === undefined ? [] : [edits.get(i)!.text!]) : [l],
          );
          const oldText = targets.map((t) => lines[t]);
          const damaged = given !== marks && given.some((m, j) => m.line !== marks[j].line || m.offset !== marks[j].offset);
          if (!next) {
            expect(damaged).toBe(true); // sound marks never make the copy refuse
            return;
          }
          const seenOld = olds.map((b) => b.toString('utf8'));
          if (damaged && JSON.stringify(seenOld) !== JSON.stringify(oldText)) return; // the hash check refuses this
          const all = [...wanted, ...appended];
          const expected = (c.header ? 'h1,h2\n' : '') + all.map((l) => `${l}\n`).join('');
          const got = readFileSync(tmp);
          expect(seenOld).toEqual(oldText);
          expect(got.toString('utf8')).toBe(expected);
          if (damaged) return; // marks passed on may keep a wrong line number: a later patch's hash check refuses it
          const starts = lineStarts(got, c.header);
          // A mark may name the line after the last, at the file's end: where appended lines will start.
          for (const m of next) expect(m.line === starts.length ? got.length : starts[m.line]).toBe(m.offset);
          expect(next.every((m, i) => i === 0 || (m.line > next[i - 1].line && m.offset > next[i - 1].offset))).toBe(true);
          rmSync(file);
          writeFileSync(file, got);
          lines = all;
          marks = next;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
