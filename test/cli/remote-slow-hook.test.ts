import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Repo } from '../../src/repo.js';
import { execFileText } from '../helpers.js';
import { addOrigin, committedRepo, newRemote, ordersCsv, useS3Env } from './remote-helpers.js';

vi.setConfig({ testTimeout: 120_000 });
beforeAll(useS3Env);

/**
 * A git server says nothing while its hooks run, and receive-pack's keepalive comes only after 5 s of
 * silence. Node's default HTTP agent drops a socket idle for 5 s, so a push whose pre-receive hook
 * took longer (a loaded server) lost the server's report: isomorphic-git parsed an empty answer and
 * the push failed with "ParseError", exit 3, although the remote had taken it.
 */
describe('a push to an HTTP remote whose hook is silent for over 5 s', () => {
  it('waits for the report and succeeds', async () => {
    const remote = await newRemote('http');
    // Keepalives off, so nothing but the client's patience is measured (they would come only after 5 s anyway).
    await execFileText('git', ['--git-dir', remote.dir, 'config', 'receive.keepAlive', '0'], remote.dir);
    const hook = path.join(remote.dir, 'hooks', 'pre-receive');
    await fsp.writeFile(hook, (await fsp.readFile(hook, 'utf8')).replace(/^exec /m, 'sleep 6; exec '));
    // Set-up in-process (add, commit, remote add); the push runs the CLI.
    await using ann = await committedRepo({ 'orders.csv': ordersCsv([[1, 10, 'a']]) }, 'base');
    await addOrigin(ann, remote.url);
    const push = await ann.run('push', '-u', 'origin', 'main');
    expect(push.stderr).not.toContain('ParseError');
    expect(push.exitCode).toBe(0);
    const local = (await (await Repo.open(ann.dir)).log({ n: 1 }))[0].commit;
    expect((await execFileText('git', ['--git-dir', remote.dir, 'rev-parse', 'refs/heads/main'], remote.dir)).trim()).toBe(local);
  });
});
