import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installReceiveHooks } from '../../../src/ops/remote/hook-install.js';

const ZERO = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/**
 * pre-receive's shell guard starts lakegit only for refs lakegit may refuse. Run here in a directory that is
 * not a repository, lakegit exits 2 ("not a lakegit repository") whenever it is started: exit 0 means the
 * guard let the push through without it; and what lakegit read on stdin is in its error when it parses it.
 */
describe('pre-receive guard', () => {
  let dir: string;
  const run = (...refs: string[]) =>
    spawnSync('sh', [path.join(dir, 'hooks', 'pre-receive')], {
      cwd: dir,
      input: refs.map((r) => `${A} ${B} ${r}\n`).join(''),
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
  beforeAll(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-guard-'));
    await installReceiveHooks(dir);
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('lets a push through without lakegit when nothing is protected and no notes ref moves', async () => {
    await fsp.rm(path.join(dir, 'lakegit-config.json'), { force: true });
    expect(run('refs/heads/main', 'refs/tags/v1', 'refs/heads/feature/x-1.2').status).toBe(0);
    expect(run().status).toBe(0);
    expect(run('refs/notes/lakegit-checks').status).not.toBe(0); // the recorded passes: always lakegit's
    expect(run('refs/heads/main', 'refs/notes/lakegit-other').status).not.toBe(0);
  });

  it('starts lakegit for a branch protected here, or a name it cannot look up safely, with the updates on its stdin', async () => {
    await fsp.writeFile(
      path.join(dir, 'lakegit-config.json'),
      `${JSON.stringify({ 'branch.main.protected': 'true', 'user.name': 'x' }, null, 1)}\n`,
    );
    expect(run('refs/heads/f', 'refs/heads/mainline', 'refs/heads/x/main').status).toBe(0);
    const main = run('refs/heads/f', 'refs/heads/main');
    expect(main.status).toBe(2);
    expect(main.stderr).toContain('not a lakegit repository');
    expect(run('refs/heads/ma"in').status).not.toBe(0);
    expect(run('refs/heads/é').status).not.toBe(0);
    expect(run('refs/heads/a b').status).not.toBe(0); // not a ref git sends: lakegit refuses to parse it
    // lakegit gets exactly the lines git sent: a line it cannot parse is named in its error.
    const bad = spawnSync('sh', [path.join(dir, 'hooks', 'pre-receive')], {
      cwd: dir,
      input: `${ZERO} ${B} refs/heads/main\nnonsense\n`,
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("cannot read the ref update 'nonsense'");
  });

  it('starts lakegit when the config exists but cannot be read', async () => {
    if (process.getuid?.() === 0) return; // root reads any file
    const file = path.join(dir, 'lakegit-config.json');
    await fsp.writeFile(file, '{}\n');
    await fsp.chmod(file, 0);
    expect(run('refs/heads/f').status).not.toBe(0);
    await fsp.chmod(file, 0o644);
  });
});
