import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Engine } from '../engine/db.js';
import { notARepository } from '../errors.js';
import { ChunkStore } from '../store/chunks.js';
import { exists } from '../store/fsutil.js';
import { GitStore } from '../store/git.js';
import { withJournal } from '../store/journal.js';
import { withLock } from '../store/lock.js';
import { StagingStore } from '../store/staging.js';

export const LAKEGIT_DIR = '.lakegit';
export const CONFIG_FILE = 'lakegit.yaml';
/** A ref-moving step recorded but not yet completed (src/ops/pending.ts). */
export const PENDING_FILE = 'lakegit-pending.json';

/** Everything an operation needs to reach the repository; built once per command. */
export class RepoContext {
  readonly git: GitStore;
  readonly chunks: ChunkStore;
  readonly staging: StagingStore;

  constructor(readonly root: string) {
    this.git = new GitStore(this.gitdir);
    this.chunks = new ChunkStore(path.join(this.gitdir, 'chunks'));
    this.staging = StagingStore.at(this.gitdir);
  }

  get gitdir(): string {
    return path.join(this.root, LAKEGIT_DIR);
  }

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
      if (up === dir) throw notARepository(path.resolve(start));
      dir = up;
    }
  }

  static async create(dir: string): Promise<RepoContext> {
    await fsp.mkdir(path.join(dir, LAKEGIT_DIR, 'chunks'), { recursive: true });
    return new RepoContext(path.resolve(dir));
  }
}
