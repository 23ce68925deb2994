import { promises as fsp } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/db.js';
import { NothingToCommit } from '../../src/errors.js';
import { RepoContext } from '../../src/ops/context.js';
import { countByLines } from '../../src/ops/stage-tracked.js';
import { readManifest } from '../../src/ops/tree.js';
import { Repo } from '../../src/repo.js';
import { BLOCK_FORMAT } from '../../src/table/lineslots.js';
import { TEST_ENV, tempRepo } from '../helpers.js';

// DuckDB on one thread for this file (per-file.ts closes it after): its tables are a few rows, one chunk and
// one lane each; the second thread only adds scheduling (see merge.property.test.ts).
beforeAll(async () => (await Engine.get()).run('SET threads = 1'));

// Issue 15 (`lcache2`): the line cache hashes content-defined blocks of lines (src/table/lineblocks.ts),
// one 64-bit hash per block. Property: over random edits of a keyed CSV (inserted, deleted and
// rewritten lines, unicode, a digit changed in place so a line and its block keep their length,
// adjacent lines swapped, numbers written differently, now and then the whole file with CRLF line
// ends), what the cache reports changed (`status`'s counts through the index, no full read) equals a
// whole-file comparison of the rows in plain JS, and `commit -a` records exactly the file's rows (read
// back by DuckDB). The cache may decline (a CRLF file has no line index: its raw lines are not its
// rows), never answer wrongly; every LF round after an indexed commit must be answered by it.
Object.assign(process.env, TEST_ENV);

const RUNS = Number(process.env.LAKEGIT_PROP_RUNS ?? 12);
const SEED = Number(process.env.LAKEGIT_PROP_SEED ?? 1515);

const NAMES = ['a', 'bé', 'ü 🙂', '中文', 'x y', 'naïve', 'Ωmega', 'q'];
type Row = { id: number; name: string; amount: number };

/** The rows of a CSV text (no quoting in these files), by key; a line's CR is not part of its values. */
function parse(text: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const line of text.split('\n').slice(1)) {
    if (line === '') continue;
    const [id, name, amount] = line.replace(/\r$/, '').split(',');
    rows.set(Number(id), JSON.stringify([name, Number(amount)]));
  }
  return rows;
}

/** added / modified / removed rows between two files, by value: the whole-file comparison. */
function compare(before: string, after: string): { added: number; modified: number; removed: number } {
  const [a, b] = [parse(before), parse(after)];
  let [added, modified, removed] = [0, 0, 0];
  for (const [k, v] of b)
    if (!a.has(k)) added++;
    else if (a.get(k) !== v) modified++;
  for (const k of a.keys()) if (!b.has(k)) removed++;
  return { added, modified, removed };
}

async function rowsOf(file: string): Promise<string> {
  const e = await Engine.get();
  const rows = await e.all(
    `SELECT * FROM read_csv($1, header = true, columns = {'id': 'BIGINT', 'name': 'VARCHAR', 'amount': 'DOUBLE'}) ORDER BY id`,
    [file],
  );
  return JSON.stringify(rows);
}

const edit = fc.record({
  kind: fc.constantFrom('insert', 'delete', 'rename', 'digit', 'swap', 'reformat'),
  at: fc.nat(),
  id: fc.integer({ min: 1000, max: 9999 }),
  name: fc.constantFrom(...NAMES),
  digit: fc.integer({ min: 0, max: 9 }),
});

function applyEdit(lines: string[], e: typeof edit extends fc.Arbitrary<infer T> ? T : never): void {
  const i = 1 + (e.at % Math.max(1, lines.length - 1)); // never the header
  const cells = (lines[i] ?? '').split(',');
  if (e.kind === 'insert' && !lines.some((l) => l.startsWith(`${e.id},`))) lines.splice(i, 0, `${e.id},${e.name},${e.digit}.25`);
  if (lines.length <= 2) return;
  if (e.kind === 'delete') lines.splice(i, 1);
  if (e.kind === 'rename') lines[i] = `${cells[0]},${e.name},${cells[2]}`;
  if (e.kind === 'digit') {
    // One digit of the amount replaced: the same length, the same block, maybe another value.
    const amount = cells[2].replace(/\d(?=\D*$)/, String(e.digit));
    lines[i] = `${cells[0]},${cells[1]},${amount}`;
  }
  if (e.kind === 'swap' && i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
  if (e.kind === 'reformat') lines[i] = `${cells[0]},${cells[1]},${Number(cells[2]).toFixed(3)}`;
}

describe('line cache blocks', () => {
  it(`reports exactly the rows a whole-file comparison finds changed (${RUNS} cases)`, async () => {
    const initial: Row[] = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, name: NAMES[i % NAMES.length], amount: i * 1.5 }));
    await using repo = await tempRepo({
      't.csv': `id,name,amount\n${initial.map((r) => `${r.id},${r.name},${r.amount}`).join('\n')}\n`,
    });
    const a = await Repo.open(repo.dir);
    await a.add({ paths: ['t.csv'], cwd: repo.dir, key: ['id'] });
    await a.commit({ message: 'load' });
    // The first commit -a reads the whole file and writes the line index the property then uses.
    await repo.write('t.csv', (await repo.read('t.csv')).replace('\n1,a,0\n', '\n1,a,7\n'));
    await a.commit({ message: 'index', all: true });
    let committed = await repo.read('t.csv');
    let throughCache = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(false, false, false, false, true),
        async (edits, crlf) => {
          const lines = committed.replace(/\n$/, '').split('\n');
          for (const e of edits) applyEdit(lines, e);
          const lf = `${lines.join('\n')}\n`;
          const text = crlf ? lf.replaceAll('\n', '\r\n') : lf;
          await repo.write('t.csv', text);
          const ctx = await RepoContext.discover(repo.dir);
          const entry = (await ctx.staging.read()).tables.t;
          const indexed = entry.lines?.blocks === BLOCK_FORMAT && entry.lines.manifest === entry.manifest;
          const counted = indexed ? await countByLines(ctx, entry, await readManifest(ctx, entry.manifest)) : undefined;
          if (indexed && !crlf) expect(counted).toBeDefined(); // the cache was usable: no full read
          if (counted) {
            throughCache++;
            expect(counted).toEqual(compare(committed, lf));
          }
          const r = await Repo.open(repo.dir);
          await r.commit({ message: 'edit', all: true }).catch((e: unknown) => {
            if (!(e instanceof NothingToCommit)) throw e;
          });
          await r.export('t@HEAD', repo.path('out.csv'));
          expect(await rowsOf(repo.path('out.csv'))).toBe(await rowsOf(repo.path('t.csv')));
          await fsp.rm(repo.path('out.csv'));
          committed = lf;
        },
      ),
      // One repository runs every case in turn: a shrunk case would start from another state, so none is tried.
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(throughCache).toBeGreaterThanOrEqual(RUNS / 2);
    const staged = JSON.parse(await repo.read('.lakegit/lakegit-index.json')).tables.t;
    expect(staged.lines?.manifest).toBe(staged.manifest);
    expect(staged.lines?.blocks).toBe(BLOCK_FORMAT);
  }, 240_000);
});
