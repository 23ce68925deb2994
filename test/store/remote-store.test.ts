import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openChunkStore, redactUrl, urlCredentials } from '../../src/store/remote-store.js';
import { useS3Env } from '../cli/remote-helpers.js';

beforeAll(useS3Env);

const id = (c: string) => c.repeat(64);

describe.each([
  ['directory', async () => fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-store-'))],
  ['s3', async () => `s3://lake/store-test-${process.pid}-${Date.now()}`],
] as const)('%s chunk store', (_kind, location) => {
  it('adds a chunk once, never rewrites it, and gives it back byte for byte', async () => {
    const store = await openChunkStore(await location());
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-chunk-'));
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    await fsp.writeFile(a, 'first bytes');
    await fsp.writeFile(b, 'other bytes');
    expect(await store.has(id('a'))).toBe(false);
    expect(await store.put(id('a'), a)).toBe(true);
    expect(await store.has(id('a'))).toBe(true);
    expect(await store.put(id('a'), b)).toBe(false); // already there: not rewritten
    const out = path.join(tmp, 'out');
    expect(await store.get(id('a'), out)).toBe(11);
    expect(await fsp.readFile(out, 'utf8')).toBe('first bytes');
    await expect(store.get(id('b'), path.join(tmp, 'none'))).rejects.toMatchObject({ code: 'ChunkNotInStore' });
    await fsp.rm(tmp, { recursive: true, force: true });
  });
});

describe('URLs', () => {
  it('drop user-info for display and storage; the credentials are read for the command only', () => {
    expect(redactUrl('https://ann:s3cret@git.example.com/lake.git')).toBe('https://git.example.com/lake.git');
    expect(redactUrl('/srv/lake.git')).toBe('/srv/lake.git');
    expect(urlCredentials('https://ann:s%40cret@h/x')).toEqual({ username: 'ann', password: 's@cret' });
    expect(urlCredentials('https://h/x')).toBeUndefined();
  });
  it('refuses a relative directory store without a base', async () => {
    await expect(openChunkStore('chunks')).rejects.toMatchObject({ exitCode: 2 });
    await expect(openChunkStore('ftp://x/y')).rejects.toMatchObject({ exitCode: 2 });
  });
});
