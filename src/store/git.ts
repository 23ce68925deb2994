import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { exists, writeFileAtomic } from './fsutil.js';
import { noteCreated } from './journal.js';
import { atomicObjectFs } from './object-dirs.js';
import { RefMoved, corrupt } from '../errors.js';
import { appendReflog, isLoggedRef, removeReflog, renameReflog, ZERO_OID } from './reflog.js';

export interface Identity {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset: number;
}
export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  message: string;
  author: Identity;
}
export interface TreeEntry {
  path: string;
  oid: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
}

/**
 * The only module that imports isomorphic-git (its network half is git-remote.ts, git-push.ts and git-transport.ts). One object cache per process is passed to every
 * call so pack files are parsed once. Refs are written here, atomically, by rename.
 */
type Git = typeof import('isomorphic-git').default;
let loaded: Git | undefined;
/**
 * isomorphic-git is loaded on first use, so commands that never touch objects do not compile it; and
 * through `require`, because importing its CommonJS build as ESM first scans all 500 kB of it for exports.
 * In the CLI bundle (CommonJS, scripts/bundle-cli.mjs) `require` exists and the bundler inlines the
 * package, so it is compiled from the bundle's code cache; in this ES module build it does not.
 */
export const gitLib = async (): Promise<Git> =>
  (loaded ??= (typeof require === 'function' ? require('isomorphic-git') : createRequire(import.meta.url)('isomorphic-git')) as Git);

/** Who a reflog entry names: the repository's identity, resolved by the caller's layer. */
export type ReflogIdentity = () => Promise<{ name: string; email: string }>;

export class GitStore {
  private readonly cache = {};
  /**
   * `objectFs` lets a caller show isomorphic-git another view of `objects/` (the pre-receive hook's
   * quarantine, src/store/object-dirs.ts); everything else reads the repository as it is on disk.
   */
  constructor(
    readonly gitdir: string,
    private readonly objectFs: typeof fs = atomicObjectFs,
  ) {}

  /** Set by the repository context; reflog entries name this identity. */
  reflogIdentity: ReflogIdentity = async () => ({ name: 'lakegit', email: '' });

  private get o() {
    return { fs: this.objectFs, gitdir: this.gitdir, cache: this.cache };
  }

  static async init(gitdir: string, defaultBranch: string): Promise<GitStore> {
    await (await gitLib()).init({ fs, dir: path.dirname(gitdir), gitdir, defaultBranch, bare: true });
    return new GitStore(gitdir);
  }

  async writeBlob(data: string | Uint8Array): Promise<string> {
    const blob = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // A blob that is new here is noted, so a command that fails before publishing can remove it.
    const oid = createHash('sha1').update(`blob ${blob.length}\0`).update(blob).digest('hex');
    const loose = path.join(this.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
    const fresh = !(await exists(loose));
    const freshDir = fresh && !(await exists(path.dirname(loose)));
    const written = await (await gitLib()).writeBlob({ ...this.o, blob });
    if (fresh && written === oid) noteCreated(loose, freshDir ? path.dirname(loose) : undefined);
    return written;
  }

  async readBlob(oid: string): Promise<Buffer> {
    const { blob } = await (await gitLib()).readBlob({ ...this.o, oid });
    return Buffer.from(blob);
  }

  async readText(oid: string): Promise<string> {
    return (await this.readBlob(oid)).toString('utf8');
  }

  async writeTree(entries: TreeEntry[]): Promise<string> {
    return (await gitLib()).writeTree({ ...this.o, tree: entries });
  }

  /** The id `writeTree` would give these entries, computed without writing anything (git's entry order and modes). */
  hashTree(entries: TreeEntry[]): string {
    const name = (e: TreeEntry) => Buffer.from(e.type === 'tree' ? `${e.path}/` : e.path, 'utf8');
    const body = Buffer.concat(
      [...entries]
        .sort((a, b) => Buffer.compare(name(a), name(b)))
        .map((e) => Buffer.concat([Buffer.from(`${e.mode.replace(/^0/, '')} ${e.path}\0`, 'utf8'), Buffer.from(e.oid, 'hex')])),
    );
    return createHash('sha1').update(`tree ${body.length}\0`).update(body).digest('hex');
  }

  /** Objects never change, so each is read once per process: walks read a commit's tree again as a parent's. */
  private readonly trees = new Map<string, Promise<TreeEntry[]>>();
  private readonly commits = new Map<string, Promise<CommitInfo>>();

  readTree(oid: string): Promise<TreeEntry[]> {
    return memo(this.trees, oid, async () => (await (await gitLib()).readTree({ ...this.o, oid })).tree as TreeEntry[]);
  }

  async writeCommit(c: Omit<CommitInfo, 'oid'>): Promise<string> {
    return (await gitLib()).writeCommit({
      ...this.o,
      commit: { message: c.message, tree: c.tree, parent: c.parents, author: c.author, committer: c.author },
    });
  }

  readCommit(oid: string): Promise<CommitInfo> {
    return memo(this.commits, oid, async () => {
      const { commit } = await (await gitLib()).readCommit({ ...this.o, oid });
      return { oid, tree: commit.tree, parents: commit.parent, message: commit.message, author: commit.author };
    });
  }

  async objectType(oid: string): Promise<string> {
    const { type } = await (await gitLib()).readObject({ ...this.o, oid, format: 'parsed' });
    return type;
  }

  async expandOid(prefix: string): Promise<string | undefined> {
    try {
      return await (await gitLib()).expandOid({ ...this.o, oid: prefix });
    } catch {
      return undefined;
    }
  }

  async resolveRef(ref: string): Promise<string | undefined> {
    try {
      return await (await gitLib()).resolveRef({ ...this.o, ref });
    } catch {
      return undefined;
    }
  }

  /** HEAD's target: a branch name, or undefined when detached. */
  async currentBranch(): Promise<string | undefined> {
    const head = (await fsp.readFile(path.join(this.gitdir, 'HEAD'), 'utf8')).trim();
    return head.startsWith('ref: refs/heads/') ? head.slice('ref: refs/heads/'.length) : undefined;
  }

  /** Point HEAD at a branch or a commit; `reason` goes to HEAD's reflog (`checkout: moving from … to …`). */
  async setHead(target: { branch: string } | { oid: string }, reason?: string): Promise<void> {
    const body = 'branch' in target ? `ref: refs/heads/${target.branch}\n` : `${target.oid}\n`;
    const before = await this.resolveRef('HEAD');
    const after = 'branch' in target ? await this.resolveRef(`refs/heads/${target.branch}`) : target.oid;
    // An unborn branch has nothing to log, as in git.
    if (reason && after) await this.log('HEAD', before, after, reason);
    await writeFileAtomic(path.join(this.gitdir, 'HEAD'), body);
  }

  /**
   * Move a ref only if it still points where the caller saw it: the last step of every write.
   * The move is logged first (HEAD's log too when HEAD is on that branch), so a reflog never
   * misses a commit a ref named; a process killed between the two leaves an extra entry, as git can.
   */
  async updateRef(ref: string, oid: string, expected: string | undefined | null, reason = 'update by lakegit'): Promise<void> {
    const now = await this.resolveRef(ref);
    if (expected !== null && now !== expected) throw new RefMoved(`${ref} moved while this command ran`, { ref }, 'run the command again');
    if (now !== oid) {
      if (isLoggedRef(ref)) await this.log(ref, now, oid, reason);
      if (ref !== 'HEAD' && ref === `refs/heads/${await this.currentBranch()}`) await this.log('HEAD', now, oid, reason);
    }
    const file = path.join(this.gitdir, ref);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, `${oid}\n`);
  }

  private async log(ref: string, before: string | undefined, after: string, message: string): Promise<void> {
    const who = await this.reflogIdentity();
    const timestamp = Math.floor(Date.now() / 1000);
    await appendReflog(this.gitdir, ref, { old: before ?? ZERO_OID, new: after, ...who, timestamp, timezone: '+0000', message });
  }

  /** A deleted branch's log goes with it, as in git (HEAD's log keeps its entries). */
  async deleteRef(ref: string, opts: { keepLog?: boolean } = {}): Promise<void> {
    await (await gitLib()).deleteRef({ ...this.o, ref });
    if (!opts.keepLog) await removeReflog(this.gitdir, ref);
  }

  renameReflog(from: string, to: string): Promise<void> {
    return renameReflog(this.gitdir, from, to);
  }

  async listBranches(): Promise<string[]> {
    return (await (await gitLib()).listBranches({ ...this.o })).sort();
  }

  /** Full names of the refs under a prefix (`refs/remotes`), loose and packed. */
  async listRefs(prefix: string): Promise<string[]> {
    const names = await (await gitLib()).listRefs({ ...this.o, filepath: prefix }).catch(() => [] as string[]);
    return names.map((n) => `${prefix}/${n}`).sort();
  }

  /** The branches of a remote as last fetched: names under `refs/remotes/<remote>/`, HEAD left out. */
  async listRemoteBranches(remote: string): Promise<string[]> {
    return (await (await gitLib()).listBranches({ ...this.o, remote })).filter((b) => b !== 'HEAD').sort();
  }

  async listTags(): Promise<string[]> {
    return (await (await gitLib()).listTags({ ...this.o })).sort();
  }

  async writeTag(name: string, target: string, message: string | undefined, tagger: Identity): Promise<string> {
    if (!message) return target;
    return (await gitLib()).writeTag({
      ...this.o,
      // isomorphic-git ends the message with a newline itself; one of ours made a blank line git does not write.
      tag: { object: target, type: 'commit', tag: name, tagger, message: message.replace(/\n+$/, '') },
    });
  }

  /** Peel an annotated tag to its commit. */
  async peel(oid: string): Promise<string> {
    const obj = await (await gitLib()).readObject({ ...this.o, oid, format: 'parsed' });
    if (obj.type === 'tag') return this.peel((obj.object as { object: string }).object);
    if (obj.type !== 'commit') throw corrupt(`object ${oid} is a ${obj.type}, not a commit`);
    return oid;
  }

  async mergeBases(a: string, b: string): Promise<string[]> {
    return (await gitLib()).findMergeBase({ ...this.o, oids: [a, b] });
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    if (ancestor === descendant) return true;
    return (await gitLib()).isDescendent({ ...this.o, oid: descendant, ancestor, depth: -1 });
  }

  async readNote(ref: string, oid: string): Promise<string | undefined> {
    try {
      return Buffer.from(await (await gitLib()).readNote({ ...this.o, ref, oid })).toString('utf8');
    } catch {
      return undefined;
    }
  }

  async addNote(ref: string, oid: string, note: string, author: Identity): Promise<void> {
    await (await gitLib()).addNote({ ...this.o, ref, oid, note, author, force: true });
  }

  /** A value of `.lakegit/config` (git's own config file: remotes and upstreams live there, as in git). */
  async getConfig(key: string): Promise<string | undefined> {
    const v = await (await gitLib()).getConfig({ fs, gitdir: this.gitdir, path: key });
    return v === undefined || v === null ? undefined : String(v);
  }

  /** Set (or with undefined, remove) a value of `.lakegit/config`. */
  async setConfig(key: string, value: string | undefined): Promise<void> {
    await (await gitLib()).setConfig({ fs, gitdir: this.gitdir, path: key, value });
  }

  async listRemotes(): Promise<{ remote: string; url: string }[]> {
    return (await gitLib()).listRemotes({ fs, gitdir: this.gitdir });
  }

  async deleteRemote(remote: string): Promise<void> {
    await (await gitLib()).deleteRemote({ fs, gitdir: this.gitdir, remote });
  }

  /** Every loose and packed object id, for fsck and gc. */
  async hasObject(oid: string): Promise<boolean> {
    try {
      await (await gitLib()).readObject({ ...this.o, oid, format: 'deflated' });
      return true;
    } catch {
      return false;
    }
  }
}

/** The cached promise for `key`; a failed read is forgotten, so it fails again rather than sticking. */
function memo<T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = read();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
