import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../engine/db.js';
import { notARepository } from '../errors.js';
import { ChunkStore } from '../store/chunks.js';
import { exists } from '../store/fsutil.js';
import { GitStore } from '../store/git.js';
import { withJournal } from '../store/journal.js';
import { withLock } from '../store/lock.js';
import type { ObjectFs } from '../store/object-dirs.js';
import { StagingStore } from '../store/staging.js';
import { resolveIdentity } from './identity.js';

export const LAKEGIT_DIR = '.lakegit';
export const CONFIG_FILE = 'lakegit.yaml';
/** A ref-moving step recorded but not yet completed (src/ops/pending.ts). */
export const PENDING_FILE = 'lakegit-pending.json';

/** Everything an operation needs to reach the repository; built once per command. */
export class RepoContext {
  readonly git: GitStore;
  readonly chunks: ChunkStore;
  readonly staging: StagingStore;
  readonly gitdir: string;

  /**
   * `root` is the working tree; a bare repository (a remote) has none, and then `root` is the
   * repository directory itself, which is also its gitdir (see `openBare`).
   */
  constructor(
    readonly root: string,
    opts: { bare?: boolean; objectFs?: ObjectFs; chunks?: ChunkStore } = {},
  ) {
    this.bare = !!opts.bare;
    this.gitdir = this.bare ? root : path.join(root, LAKEGIT_DIR);
    this.git = new GitStore(this.gitdir, opts.objectFs);
    this.git.reflogIdentity = () => reflogIdentity(this);
    this.chunks = opts.chunks ?? new ChunkStore(path.join(this.gitdir, 'chunks'));
    this.staging = StagingStore.at(this.gitdir);
    this.fetchOnDemand();
  }

  /**
   * Chunks on demand: a statement that names chunk files this repository lacks first fetches them
   * from the remotes' stores (a partial clone), verified against their ids.
   */
  private fetchOnDemand(): void {
    this.chunks.fetchMissing = async (ids) => (await import('./remote/ondemand.js')).fetchChunks(this, ids);
    Engine.beforeQuery = async (sql) => {
      const ids = this.chunks.idsIn(sql);
      if (ids.length) await this.chunks.ensure(ids);
    };
  }

  readonly bare: boolean;

  engine(): Promise<Engine> {
    return Engine.get();
  }

  /** Writers take the repository lock; readers never do. */
  /** Run `body` under the lock only if it is free right now; undefined when another writer holds it. */
  async tryLocked<T>(body: () => Promise<T>): Promise<T | undefined> {
    return withLock(path.join(this.gitdir, 'lakegit.lock'), body, 0).catch((e) => {
      if ((e as { code?: string }).code === 'LockBusy') return undefined;
      throw e;
    });
  }

  /** Run first under every lock: finishes a step a killed writer left pending (set by `Repo.open`). */
  onLocked?: () => Promise<void>;

  locked<T>(body: () => Promise<T>): Promise<T> {
    return withLock(path.join(this.gitdir, 'lakegit.lock'), () =>
      withJournal(this.stateFile('cache'), async () => {
        await this.onLocked?.();
        return body();
      }),
    );
  }

  hasPendingStep(): Promise<boolean> {
    return exists(this.stateFile(PENDING_FILE));
  }

  abs(rel: string): string {
    return path.join(this.root, rel);
  }

  stateFile(name: string): string {
    return path.join(this.gitdir, name);
  }

  static async discover(start: string): Promise<RepoContext> {
    let dir = path.resolve(start);
    for (;;) {
      if (await exists(path.join(dir, LAKEGIT_DIR, 'HEAD'))) return new RepoContext(dir);
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
    const bare = await openBare(path.resolve(start));
    if (bare) return bare;
    throw notARepository(path.resolve(start));
  }

  static async create(dir: string): Promise<RepoContext> {
    await fsp.mkdir(path.join(dir, LAKEGIT_DIR, 'chunks'), { recursive: true });
    return new RepoContext(path.resolve(dir));
  }
}

/**
 * A bare repository at exactly `dir` (as `git init --bare` or `lakegit init --bare` makes for a
 * remote): `HEAD`, `objects/` and `refs/` in the directory itself and `bare = true` in its git
 * config. Only the directory named is tried, never its parents, so a working repository's
 * discovery never lands in some bare repository above it. Chunks live in `<dir>/chunks`.
 */
export async function openBare(dir: string, opts: { objectFs?: ObjectFs; chunks?: ChunkStore } = {}): Promise<RepoContext | undefined> {
  for (const part of ['HEAD', 'objects', 'refs']) if (!(await exists(path.join(dir, part)))) return undefined;
  const config = await fsp.readFile(path.join(dir, 'config'), 'utf8').catch(() => '');
  if (!/^\s*bare\s*=\s*true\s*$/im.test(config)) return undefined;
  return new RepoContext(dir, { bare: true, ...opts });
}

/** Reflog entries name the repository's identity as a commit would, or the login name when none is set. */
async function reflogIdentity(ctx: RepoContext): Promise<{ name: string; email: string }> {
  try {
    const { name, email } = await resolveIdentity(ctx);
    return { name, email };
  } catch {
    return { name: os.userInfo().username || 'lakegit', email: '' };
  }
}

/** Where the line indexes of working files live (a cache: `gc` prunes it). */
export const linesDir = (ctx: RepoContext): string => ctx.stateFile(path.join('cache', 'lines'));
