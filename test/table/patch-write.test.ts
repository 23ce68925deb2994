import { promises as fsp } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linesDir } from '../../src/ops/context.js';
import { readManifest, readTableTree } from '../../src/ops/tree.js';
import { blockLines, blockStarts, floorIndex, readLayout } from '../../src/table/linelayout.js';
import { patchTextFile } from '../../src/table/patch-write.js';
import { api, newRepo } from '../cli/core-helpers.js';

// #15: a patch copies the blocks around the changed lines from the working file and checks their
// old bytes, the lines it keeps among them included, against the hashes the line index recorded
// (src/table/patch-blocks.ts). A working file edited behind the cache's back (same size, same line
// count, an inode and stat the caller would trust) must not be patched: the patch declines and the
// file is left byte for byte as it is; with the bytes put back, the same patch goes through.
const ROWS = 60;
const line = (id: number, name: string) => `${id},${name},${id * 3}`;
const fileText = (name: (id: number) => string) =>
  `id,name,amount\n${Array.from({ length: ROWS }, (_, id) => line(id, name(id))).join('\n')}\n`;

describe('patch-write', () => {
  it('declines, leaving the file untouched, when a kept line of a touched block no longer hashes as recorded', async () => {
    await using repo = await newRepo({ 'orders.csv': fileText((id) => `n${id}`) });
    const a = await api(repo);
    await a.add({ paths: ['orders.csv'], cwd: repo.dir, key: ['id'] });
    await a.commit({ message: 'v1' });
    // v2 changes every even row, so every block of two lines or more holds a changed line and a kept one.
    await repo.write(
      'orders.csv',
      fileText((id) => (id % 2 ? `n${id}` : `e${id}`)),
    );
    await a.commit({ message: 'v2', all: true });
    // Back to v1 through the patch path: the file then holds v1 and has a line index saying so.
    await a.checkout({ target: 'HEAD~1' });
    const ctx = a.ctx;
    const manifestAt = async (rev: string) =>
      readManifest(ctx, (await readTableTree(ctx, await ctx.git.resolveRef(rev))).tables.get('orders')!);
    const [v1, v2] = [await manifestAt('HEAD'), await manifestAt('main')];
    const lines = (await ctx.staging.read()).tables.orders.lines!;
    expect(lines).toBeDefined();
    const held = await repo.read('orders.csv');
    expect(held).toBe(fileText((id) => `n${id}`));

    // A kept (odd) line in a block that also holds a changed (even) line.
    const layout = (await readLayout(linesDir(ctx), lines.layout!, lines.rows))!;
    const starts = blockStarts(layout);
    const kept = Array.from({ length: ROWS }, (_, i) => i).find((i) => i % 2 === 1 && blockLines(layout, floorIndex(starts, i)) > 1)!;
    expect(kept).toBeDefined();
    // The same length, the same lines: only the bytes' hash tells.
    const tampered = held.replace(`\n${line(kept, `n${kept}`)}\n`, `\n${line(kept, `X${kept}`.slice(0, `n${kept}`.length))}\n`);
    expect(tampered).not.toBe(held);
    expect(tampered.length).toBe(held.length);
    await fsp.writeFile(repo.path('orders.csv'), tampered);

    const engine = await ctx.engine();
    const req = { abs: repo.path('orders.csv'), before: v1, after: v2, lines, linesDir: linesDir(ctx) };
    expect(await patchTextFile(engine, ctx.chunks, req)).toBeUndefined();
    expect(await repo.read('orders.csv')).toBe(tampered);

    // The control: the kept bytes as recorded, the same patch writes v2.
    await fsp.writeFile(repo.path('orders.csv'), held);
    expect(await patchTextFile(engine, ctx.chunks, req)).toBeDefined();
    expect(await repo.read('orders.csv')).toBe(fileText((id) => (id % 2 ? `n${id}` : `e${id}`)));
  }, 60_000);
});
