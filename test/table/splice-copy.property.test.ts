import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { copyEdited, copyRuns, type LineMark, type LineRun } from '../../src/table/splice-copy.js';

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
/**
 * A case's file (`<dir>/<name>.csv`), its lines made unique as a keyed file's are (each holds its key);
 * `unique` makes the case's later lines unique too, and `first` is the file's lines as written.
 */
function writeCase(c: { lines: string[]; header: boolean; terminated: boolean }, name: string) {
  const file = path.join(dir, `${name}.csv`);
  let id = 0;
  const unique = (l: string) => `${id++}:${l}`;
  const first = c.lines.map(unique);
  writeFileSync(file, text(c.header, first, c.terminated));
  return { file, tmp: `${file}.tmp`, unique, first };
}

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
        const { file, tmp, unique, first } = writeCase(c, `f${++n}`);
        let lines = first;
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
  // The patch's form (src/table/patch-write.ts): runs of whole lines read in one piece and replaced
  // by new bytes, the run reaching the last line taking the appended lines. Same oracle.
  it(`copies runs of lines exactly as a line-by-line edit (${RUNS} cases)`, () => {
    let n = 0;
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 5 }), (c, span) => {
        const { file, tmp, unique, first } = writeCase(c, `r${++n}`);
        let lines = first;
        let marks: LineMark[] = [];
        for (const p of c.patches) {
          const edits = new Map<number, string | undefined>();
          for (const [at, t] of p.edits) if (lines.length) edits.set(at % lines.length, t === undefined ? t : unique(t));
          const appended = p.appended.map(unique);
          // Each edited line starts a run of `span` lines; overlapping or touching runs are one.
          const bounds: [number, number][] = [];
          for (const at of [...edits.keys()].sort((a, b) => a - b)) {
            const last = bounds[bounds.length - 1];
            const end = Math.min(at + span, lines.length);
            if (last && at <= last[1]) last[1] = Math.max(last[1], end);
            else bounds.push([at, end]);
          }
          const seen: string[][] = [];
          const toEnd = bounds.length > 0 && bounds[bounds.length - 1][1] === lines.length;
          const runs: LineRun[] = bounds.map(([from, to]) => ({
            line: from,
            count: to - from,
            replace: (old) => {
              const olds = old.toString('utf8').split('\n');
              if (olds[olds.length - 1] === '') olds.pop();
              seen.push(olds);
              const out = olds.flatMap((l, i) =>
                edits.has(from + i) ? (edits.get(from + i) === undefined ? [] : [edits.get(from + i)!]) : [l],
              );
              if (to === lines.length) out.push(...appended);
              return Buffer.from(out.map((l) => `${l}\n`).join(''), 'utf8');
            },
          }));
          const next = copyRuns(file, tmp, c.header, lines.length, runs, toEnd ? [] : appended, { marks, every: c.every, sync: false });
          expect(next).toBeDefined();
          expect(seen).toEqual(bounds.map(([from, to]) => lines.slice(from, to)));
          const all = [...lines.flatMap((l, i) => (edits.has(i) ? (edits.get(i) === undefined ? [] : [edits.get(i)!]) : [l])), ...appended];
          const got = readFileSync(tmp);
          expect(got.toString('utf8')).toBe((c.header ? 'h1,h2\n' : '') + all.map((l) => `${l}\n`).join(''));
          const starts = lineStarts(got, c.header);
          for (const m of next!) expect(m.line === starts.length ? got.length : starts[m.line]).toBe(m.offset);
          expect(next!.every((m, i) => i === 0 || (m.line > next![i - 1].line && m.offset > next![i - 1].offset))).toBe(true);
          rmSync(file);
          writeFileSync(file, got);
          lines = all;
          marks = next!;
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
