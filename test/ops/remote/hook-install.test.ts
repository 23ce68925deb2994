import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { installReceiveHooks } from '../../../src/ops/remote/hook-install.js';
import { BIN } from '../../helpers.js';

describe('installReceiveHooks', () => {
  it('writes executable hooks that run this lakegit by absolute paths; replaces its own, never another one', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-hook-'));
    try {
      await installReceiveHooks(dir);
      const file = path.join(dir, 'hooks', 'pre-receive');
      const text = await fsp.readFile(file, 'utf8');
      expect(text.startsWith('#!/bin/sh\n# lakegit pre-receive hook\n')).toBe(true);
      expect(text).toContain(`exec '${process.execPath}' '${BIN}' pre-receive\n`);
      expect((await fsp.stat(file)).mode & 0o777).toBe(0o755);
      const post = path.join(dir, 'hooks', 'post-receive');
      expect(await fsp.readFile(post, 'utf8')).toContain(`exec '${process.execPath}' '${BIN}' post-receive\n`);
      expect((await fsp.stat(post)).mode & 0o777).toBe(0o755);
      await installReceiveHooks(dir); // again: its own hooks are rewritten
      await fsp.writeFile(post, '#!/bin/sh\nexec /opt/notify\n');
      await expect(installReceiveHooks(dir)).rejects.toMatchObject({ code: 'Refused', exitCode: 1 });
      expect(await fsp.readFile(file, 'utf8')).toContain('pre-receive'); // nothing was written
      await fsp.rm(post);
      await fsp.writeFile(file, '#!/bin/sh\nexec /opt/policy/check\n');
      await expect(installReceiveHooks(dir)).rejects.toMatchObject({ code: 'Refused', exitCode: 1 });
      expect(await fsp.readFile(file, 'utf8')).toBe('#!/bin/sh\nexec /opt/policy/check\n');
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
