import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCuts, type Candidate } from '../../src/table/chunker.js';

/** n rows, boundary candidates at distinct positions 1..n, and a scheme with min ≤ max. */
const arbInput = fc
  .record({
    n: fc.integer({ min: 0, max: 3000 }),
    min: fc.integer({ min: 1, max: 64 }),
    extra: fc.integer({ min: 0, max: 400 }),
    seeds: fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.boolean()), { maxLength: 300 }),
  })
  .map(({ n, min, extra, seeds }) => {
    const byPos = new Map<number, boolean>();
    for (const [p, major] of seeds) if (p <= n) byPos.set(p, major);
    const candidates: Candidate[] = [...byPos].sort((a, b) => a[0] - b[0]).map(([pos, major]) => ({ pos, major }));
    return { n, candidates, scheme: { min, max: min + extra } };
  });

describe('planCuts', () => {
  it('planCuts: cuts increase, end at n, and no chunk is longer than max', () => {
    fc.assert(
      fc.property(arbInput, ({ n, candidates, scheme }) => {
        const cuts = planCuts(n, candidates, scheme);
        if (n === 0) {
          expect(cuts).toEqual([]);
          return;
        }
        expect(cuts[cuts.length - 1]).toBe(n);
        let start = 0;
        for (const c of cuts) {
          expect(c).toBeGreaterThan(start);
          expect(c - start).toBeLessThanOrEqual(scheme.max);
          start = c;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('planCuts: every chunk but the last has at least min rows', () => {
    fc.assert(
      fc.property(arbInput, ({ n, candidates, scheme }) => {
        const cuts = planCuts(n, candidates, scheme);
        cuts.slice(0, -1).forEach((c, i) => expect(c - (i === 0 ? 0 : cuts[i - 1])).toBeGreaterThanOrEqual(scheme.min));
      }),
      { numRuns: 500 },
    );
  });

  it('planCuts: a cut is a boundary candidate unless the run outgrew max', () => {
    fc.assert(
      fc.property(arbInput, ({ n, candidates, scheme }) => {
        const at = new Set(candidates.map((c) => c.pos));
        const cuts = planCuts(n, candidates, scheme);
        cuts.forEach((c, i) => {
          const start = i === 0 ? 0 : cuts[i - 1];
          if (c !== n && !at.has(c)) expect(c - start).toBe(scheme.max);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('planCuts: a run that outgrew max is cut at its last minor candidate at least min rows in, else at max', () => {
    // Runs that outgrow max with minor candidates in them: majors rare, minors dense, max a few times min.
    const outgrowing = fc
      .record({ n: fc.integer({ min: 50, max: 2000 }), min: fc.integer({ min: 2, max: 20 }), extra: fc.integer({ min: 1, max: 40 }) })
      .chain(({ n, min, extra }) =>
        fc.uniqueArray(fc.integer({ min: 1, max: n }), { maxLength: n / 4 }).chain((ps) =>
          fc
            .array(
              fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
              { minLength: ps.length, maxLength: ps.length },
            )
            .map((majors) => ({
              n,
              scheme: { min, max: min + extra },
              candidates: ps.map((pos, i) => ({ pos, major: majors[i] })).sort((a, b) => a.pos - b.pos),
            })),
        ),
      );
    fc.assert(
      fc.property(fc.oneof(arbInput, outgrowing), ({ n, candidates, scheme }) => {
        const majors = new Set(candidates.filter((c) => c.major).map((c) => c.pos));
        const cuts = planCuts(n, candidates, scheme);
        cuts.forEach((c, i) => {
          const start = i === 0 ? 0 : cuts[i - 1];
          if (c === n || majors.has(c)) return;
          const minors = candidates.filter((m) => !m.major && m.pos - start >= scheme.min && m.pos - start <= scheme.max);
          expect(c).toBe(minors.length ? minors[minors.length - 1].pos : start + scheme.max);
        });
      }),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it('planCuts: after any cut, the plan depends only on what follows it (inserts stay local)', () => {
    fc.assert(
      fc.property(arbInput, ({ n, candidates, scheme }) => {
        const cuts = planCuts(n, candidates, scheme);
        for (const p of cuts.slice(0, -1)) {
          const rest = candidates.filter((c) => c.pos > p).map((c) => ({ pos: c.pos - p, major: c.major }));
          expect(planCuts(n - p, rest, scheme).map((c) => c + p)).toEqual(cuts.filter((c) => c > p));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('planCuts: a major candidate at least min rows after the last cut is always taken', () => {
    fc.assert(
      fc.property(arbInput, ({ n, candidates, scheme }) => {
        const cuts = new Set(planCuts(n, candidates, scheme));
        const sorted = [0, ...[...cuts].sort((a, b) => a - b)];
        for (const c of candidates.filter((x) => x.major)) {
          const prev = Math.max(...sorted.filter((x) => x < c.pos));
          const next = Math.min(...sorted.filter((x) => x >= c.pos));
          // Either it was cut, or it came too soon after the previous cut, or a forced cut came first.
          if (!cuts.has(c.pos) && c.pos - prev >= scheme.min) expect(next).toBeLessThan(c.pos);
        }
      }),
      { numRuns: 300 },
    );
  });
});
