import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLock } from '../../src/store/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lakegit-lock-'));
});
afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('withLock', () => {
  it('withLock: one body at a time, in the order the lock was freed, and the file is gone after', async () => {
    const file = path.join(dir, 'l.lock');
    const log: string[] = [];
    const body = (name: string) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 30));
      log.push(`${name}-`);
      return name;
    };
    expect(await Promise.all([withLock(file, body('a')), withLock(file, body('b')), withLock(file, body('c'))])).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i].replace('+', '-'));
    await expect(fsp.access(file)).rejects.toThrow();
  });

  it('withLock: a lock whose owner is dead is taken over at once', async () => {
    const file = path.join(dir, 'l.lock');
    await fsp.writeFile(file, JSON.stringify({ pid: await deadPid(), at: Date.now() }));
    const started = Date.now();
    expect(await withLock(file, async () => 'ran')).toBe('ran');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('withLock: the lock is released when the body throws', async () => {
    const file = path.join(dir, 'l.lock');
    await expect(
      withLock(file, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await withLock(file, async () => 'again')).toBe('again');
  });
});
