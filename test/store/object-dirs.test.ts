import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitStore } from '../../src/store/git.js';
import { atomicObjectFs, objectDirsFromEnv, overlayObjectFs } from '../../src/store/object-dirs.js';

/**
 * A bare repository with one commit in its own objects and a second one written only into a
 * separate "quarantine" object directory (as receive-pack keeps a push before pre-receive accepts).
 */
async function quarantined(packed: boolean) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-objdirs-'));
  const gitdir = path.join(dir, 'r.git');
  const quarantine = path.join(gitdir, 'objects', 'incoming-test');
  const git = (args: string[], env: Record<string, string> = {}, input?: string) =>
    execFileSync('git', ['--git-dir', gitdir, ...args], {
      env: { ...process.env, GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@x', ...env },
      input,
      encoding: 'utf8',
    }).trim();
  git(['init', '-q', '--bare', gitdir]);
  const tree = git(['mktree'], {}, '');
  const first = git(['commit-tree', tree, '-m', 'first']);
  await fsp.mkdir(quarantine, { recursive: true });
  const env = { GIT_OBJECT_DIRECTORY: quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(gitdir, 'objects') };
  const second = git(['commit-tree', tree, '-p', first, '-m', 'second'], env);
  if (packed) {
    await fsp.mkdir(path.join(quarantine, 'pack'), { recursive: true });
    git(['pack-objects', '-q', path.join(quarantine, 'pack', 'pack')], env, `${second}\n`);
    await fsp.rm(path.join(quarantine, second.slice(0, 2)), { recursive: true });
  }
  return { dir, gitdir, quarantine, env, first, second };
}

describe('object directories from git’s environment (the pre-receive quarantine)', () => {
  it('objectDirsFromEnv: none without GIT_OBJECT_DIRECTORY; quarantine first, then alternates (C-quoted too), then the own dir', () => {
    expect(objectDirsFromEnv('/r.git', {})).toBeUndefined();
    expect(objectDirsFromEnv('/r.git', { GIT_OBJECT_DIRECTORY: '/r.git/objects' })).toBeUndefined();
    expect(
      objectDirsFromEnv('/r.git', {
        GIT_OBJECT_DIRECTORY: 'objects/incoming-x',
        GIT_ALTERNATE_OBJECT_DIRECTORIES: '"/a:b/objects":/c/objects',
      }),
    ).toEqual(['/r.git/objects/incoming-x', '/a:b/objects', '/c/objects', '/r.git/objects']);
  });

  for (const packed of [false, true]) {
    it(`isomorphic-git reads a ${packed ? 'packed' : 'loose'} quarantined commit only through the overlay`, async () => {
      const q = await quarantined(packed);
      try {
        await expect(new GitStore(q.gitdir).readCommit(q.second)).rejects.toThrow();
        const dirs = objectDirsFromEnv(q.gitdir, q.env)!;
        const store = new GitStore(q.gitdir, overlayObjectFs(q.gitdir, dirs));
        expect((await store.readCommit(q.second)).parents).toEqual([q.first]);
        expect((await store.readCommit(q.first)).message).toBe('first\n');
        expect(await store.isAncestor(q.first, q.second)).toBe(true);
        expect(await store.expandOid(q.second.slice(0, 8))).toBe(q.second);
      } finally {
        await fsp.rm(q.dir, { recursive: true, force: true });
      }
    });
  }
});

describe('object writes are atomic', () => {
  // isomorphic-git writes a loose object only when its file is absent: a half-written file must never
  // stand under an object's name, or the next write of that object skips it and a ref names it.
  async function* failsMidway(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(4096, 1);
    throw new Error('killed mid-write');
  }
  const residue = async (dir: string) => (await fsp.readdir(dir)).sort();

  it('a write that fails midway leaves nothing under the name (plain fs leaves a partial file), and no temporary file', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-atomic-'));
    try {
      const plain = path.join(dir, 'plain');
      await expect(fsp.writeFile(plain, failsMidway())).rejects.toThrow('killed mid-write');
      expect((await fsp.stat(plain)).size).toBe(4096); // what the guard is for
      await fsp.rm(plain);
      const target = path.join(dir, 'f'.repeat(38));
      await expect(atomicObjectFs.promises.writeFile(target, failsMidway() as never)).rejects.toThrow('killed mid-write');
      expect(await residue(dir)).toEqual([]);
      await atomicObjectFs.promises.writeFile(target, 'whole');
      expect(await fsp.readFile(target, 'utf8')).toBe('whole');
      expect(await residue(dir)).toEqual(['f'.repeat(38)]);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('GitStore writes objects through it: each object whole, no temporary file left', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-atomic-'));
    try {
      const git = await GitStore.init(path.join(dir, 'r.git'), 'main');
      const oid = await git.writeBlob('rows\n');
      expect((await git.readBlob(oid)).toString('utf8')).toBe('rows\n');
      expect(execFileSync('git', ['--git-dir', path.join(dir, 'r.git'), 'cat-file', '-p', oid], { encoding: 'utf8' })).toBe('rows\n');
      expect(await residue(path.join(dir, 'r.git', 'objects', oid.slice(0, 2)))).toEqual([oid.slice(2)]);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
