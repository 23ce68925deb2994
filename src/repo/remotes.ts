import type { ReceiveVerdict, RefUpdate } from '../ops/remote/receive.js';
import type { Recorded, TipRecord } from '../ops/remote/receive-record.js';
import type { CloneOptions, PullOptions, PushOptions, TransferReporter } from '../ops/remote/index.js';
import { RepoBase } from './base.js';
import { remotes } from './loaders.js';

/** The Repo API's remote verbs: clone, remotes, fetch, push, pull, and the server side of a push. */
export abstract class RepoRemotes extends RepoBase {
  /**
   * The server side of a push: for each ref update git is about to make, whether this repository's
   * branch protection accepts it (see `src/ops/remote/receive.ts`).
   *
   * @example
   * const verdicts = await repo.judgePush([{ old, new: tip, ref: 'refs/heads/main' }]);
   * if (verdicts.some((v) => !v.accepted)) process.exitCode = 1;
   */
  async judgePush(updates: RefUpdate[]): Promise<ReceiveVerdict[]> {
    return (await import('../ops/remote/receive.js')).judgePush(this.ctx, updates);
  }

  /** pre-receive, when the whole push is accepted: keep what the new tips passed for post-receive to record. */
  async stagePasses(updates: RefUpdate[], verdicts: ReceiveVerdict[]): Promise<void> {
    return (await import('../ops/remote/receive-record.js')).stagePasses(this.ctx, updates, verdicts);
  }

  /** post-receive: record, as notes in `refs/notes/lakegit-checks`, the passes of the refs that moved. */
  async recordReceived(updates: RefUpdate[]): Promise<Recorded[]> {
    return (await import('../ops/remote/receive-record.js')).recordReceived(this.ctx, updates);
  }

  /** In a bare repository, after `protect`: check the branch's tip and record what it passes (undefined elsewhere). */
  async recordBranchTip(branch: string): Promise<TipRecord | undefined> {
    return (await import('../ops/remote/receive-record.js')).recordBranchTip(this.ctx, branch);
  }

  /** `init --bare`: a repository without a working tree, to serve as a remote. */
  static async initBare(dir: string, opts: { chunks?: string; branch?: string; cwd?: string } = {}) {
    return (await remotes()).initBare(dir, { ...opts, cwd: opts.cwd ?? process.cwd() });
  }

  /**
   * `clone`: every commit and ref of the remote; the chunks of the checked-out revision only, or
   * none with `noCheckout` (later reads fetch what they need).
   *
   * @example
   * const { root } = await Repo.clone('https://git.example.com/lake.git', { dir: 'lake', noCheckout: true, cwd: process.cwd() });
   */
  static async clone(url: string, opts: CloneOptions) {
    return (await remotes()).clone(url, opts);
  }

  /** Where chunk transfers (clone, fetch, push, on-demand reads) report progress. */
  static async onTransfer(reporter: TransferReporter | undefined): Promise<void> {
    (await import('../ops/remote/ondemand.js')).setTransferReporter(reporter);
  }

  async remotes() {
    return (await remotes()).listRemotes(this.ctx);
  }
  async addRemote(name: string, url: string, opts: { chunks?: string; cwd?: string } = {}) {
    return (await remotes()).addRemote(this.ctx, name, url, { ...opts, cwd: opts.cwd ?? process.cwd() });
  }
  async removeRemote(name: string) {
    return (await remotes()).removeRemote(this.ctx, name);
  }
  async setRemoteUrl(name: string, url: string, opts: { chunks?: string; cwd?: string } = {}) {
    return (await remotes()).setRemoteUrl(this.ctx, name, url, { ...opts, cwd: opts.cwd ?? process.cwd() });
  }
  async fetch(remote?: string, opts: { allChunks?: boolean } = {}) {
    const r = await remotes();
    const { listed: _listed, ...result } = await r.fetchRemote(this.ctx, remote ?? (await r.defaultRemote(this.ctx)), opts);
    return result;
  }
  async push(opts: PushOptions = {}) {
    return (await remotes()).push(this.ctx, opts);
  }
  async pull(opts: PullOptions = {}) {
    return (await remotes()).pull(this.ctx, opts);
  }
}
