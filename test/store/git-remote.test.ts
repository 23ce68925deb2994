import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRemoteRefs } from '../../src/store/git-remote.js';
import { newRemote } from '../cli/remote-helpers.js';

// git-transport.ts keeps a ref listing for the one request of isomorphic-git that asks for it again.
// A process that lives on (the API in a server, a script) must still see a remote's refs as they are
// when it lists them: a listing left unserved is never the answer to a later listing.

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

describe('listRemoteRefs over HTTP', () => {
  it('a second listing in one process sees a ref that moved after the first (none is served stale)', async () => {
    const remote = await newRemote('http-dir');
    const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-listing-'));
    try {
      git(work, 'init', '-q', '-b', 'main');
      git(work, '-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-q', '--allow-empty', '-m', 'one');
      git(work, 'push', '-q', remote.dir, 'main:refs/heads/side');
      const first = await listRemoteRefs(remote.url, { forPush: true });
      expect(first.refs.get('refs/heads/side')).toBe(git(work, 'rev-parse', 'HEAD'));
      // The push this listing was for never happens; meanwhile someone else moves the branch.
      git(work, '-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-q', '--allow-empty', '-m', 'two');
      git(work, 'push', '-q', remote.dir, 'main:refs/heads/side');
      for (const forPush of [true, false]) {
        const again = await listRemoteRefs(remote.url, { forPush });
        expect(again.refs.get('refs/heads/side'), `forPush: ${forPush}`).toBe(git(work, 'rev-parse', 'HEAD'));
      }
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  });
});
