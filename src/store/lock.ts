import { promises as fsp } from 'node:fs';
import { lockBusy } from '../errors.js';

const STALE_MS = 30_000;
const WAIT_MS = Number(process.env.LAKEGIT_LOCK_WAIT_MS ?? 20_000);

interface LockBody {
  pid: number;
  at: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function stale(file: string): Promise<boolean> {
  try {
    const body = JSON.parse(await fsp.readFile(file, 'utf8')) as LockBody;
    return !alive(body.pid) || Date.now() - body.at > STALE_MS * 20;
  } catch {
    // An empty or torn lock file: its writer died between create and write, or is writing now.
    const st = await fsp.stat(file).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > 2_000;
  }
}

/**
 * One writer at a time. The lock is a file created with O_EXCL holding the owner's pid; a lock
 * whose owner is dead is taken over, so a killed process never needs manual cleanup.
 */
export async function withLock<T>(file: string, body: () => Promise<T>, waitMs = WAIT_MS): Promise<T> {
  const start = Date.now();
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      const handle = await fsp.open(file, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() } satisfies LockBody));
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await stale(file)) {
        // Rename first so two takers cannot both delete a fresh lock.
        const grave = `${file}.${process.pid}.stale`;
        await fsp.rename(file, grave).then(
          () => fsp.rm(grave, { force: true }),
          () => undefined,
        );
        continue;
      }
      if (Date.now() - start >= waitMs) throw lockBusy(file);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  try {
    return await body();
  } finally {
    await fsp.rm(file, { force: true });
  }
}
