import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitStore, type TreeEntry } from '../../src/store/git.js';

describe('GitStore.hashTree', () => {
  it('gives the id writeTree gives, in git entry order (a tree sorts as its name plus "/"), writing nothing', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-git-'));
    try {
      const git = await GitStore.init(path.join(dir, '.lakegit'), 'main');
      const blob = await git.writeBlob('x\n');
      const sub = await git.writeTree([{ path: 'f.json', oid: blob, mode: '100644', type: 'blob' }]);
      const entries: TreeEntry[] = [
        { path: 'stats.json', oid: blob, mode: '100644', type: 'blob' },
        { path: 'a', oid: sub, mode: '040000', type: 'tree' },
        { path: 'a.b', oid: blob, mode: '100644', type: 'blob' },
        { path: 'lakegit.yaml', oid: blob, mode: '100644', type: 'blob' },
        { path: 'ü', oid: blob, mode: '100644', type: 'blob' },
      ];
      const hashed = git.hashTree(entries);
      expect(await git.hasObject(hashed)).toBe(false);
      expect(await git.writeTree(entries)).toBe(hashed);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
