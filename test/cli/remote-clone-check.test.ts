import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Repo } from '../../src/repo.js';
import { runCli, tempRepo } from '../helpers.js';
import { addOrigin, chunkFiles, committedRepo, newRemote, ordersCsv, useS3Env } from './remote-helpers.js';

vi.setConfig({ testTimeout: 300_000 });
beforeAll(useS3Env);

const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => [from + i, i * 10, `n${i}`] as [number, number, string]);

// A clone checks the chunks it fetches in batches (several chunks of one schema in one statement,
// src/table/chunk-verify.ts) before it writes the working files from them: a forged chunk among good
// ones of the same schema is refused and named, and the failed clone leaves nothing behind.
describe('clone checks every chunk it fetches', () => {
  it('refuses a forged chunk fetched with good ones of the same schema, names it, keeps nothing', async () => {
    const remote = await newRemote('path');
    // Set-up in-process: three tables of one schema, one chunk each; the clones run the CLI.
    await using ann = await committedRepo({
      'a.csv': ordersCsv(rows(5)),
      'b.csv': ordersCsv(rows(6, 100)),
      'c.csv': ordersCsv(rows(7, 200)),
    });
    const a = await Repo.open(ann.dir);
    await addOrigin(ann, remote.url);
    expect((await a.push({ setUpstream: true })).refs.every((r) => r.ok)).toBe(true);
    const pushed = await chunkFiles(ann.dir);
    expect(pushed).toHaveLength(3);

    await using good = await tempRepo({}, false);
    await fsp.rm(good.dir, { recursive: true });
    const ok = await runCli(path.dirname(good.dir), ['clone', remote.url, good.dir]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await good.read('b.csv')).toBe(ordersCsv(rows(6, 100)));
    expect(await chunkFiles(good.dir)).toEqual(pushed);

    // The store's copy of one chunk replaced by another valid chunk of the same columns, other rows.
    await ann.write('d.csv', ordersCsv(rows(6, 300)));
    await a.add({ paths: ['d.csv'], cwd: ann.dir, key: ['id'] });
    const other = (await chunkFiles(ann.dir)).find((f) => !pushed.includes(f))!;
    const victim = pushed[1];
    await fsp.copyFile(ann.path(`.lakegit/chunks/${other}`), path.join(remote.chunks, victim));

    await using bad = await tempRepo({}, false);
    await fsp.rm(bad.dir, { recursive: true });
    const refused = await runCli(path.dirname(bad.dir), ['clone', remote.url, bad.dir]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`refused chunk ${victim.slice(0, 64)}`);
    await expect(fsp.access(bad.dir)).rejects.toThrow(); // as git does: a failed clone leaves nothing
  });
});
