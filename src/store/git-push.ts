import fs from 'node:fs';
import { GitFailed } from '../errors.js';
import { gitLib } from './git.js';
import { redactUrl } from './remote-store.js';
import { git, http, isPathUrl, networkError, onAuthFor, pathOf } from './git-transport.js';

/** Moving refs to another git repository, one update at a time, and how each one was refused. */
export interface PushUpdate {
  /** A local ref name (`refs/heads/main`), or undefined to delete `dst`. */
  src?: string;
  dst: string;
  force: boolean;
}
export interface PushOutcome {
  dst: string;
  ok: boolean;
  /** Why the remote (or the fast-forward rule) refused it. */
  reason?: 'non-fast-forward' | 'stale' | 'declined' | 'other';
  detail?: string;
}

/** Push ref updates one by one; the remote checks each one's old value, so a concurrent push loses cleanly. */
export async function pushRefs(
  gitdir: string,
  remote: string,
  url: string,
  updates: PushUpdate[],
  onMessage?: (line: string) => void,
): Promise<PushOutcome[]> {
  if (isPathUrl(url)) return pushPath(gitdir, url, updates, onMessage);
  const out: PushOutcome[] = [];
  const lib = await gitLib();
  for (const u of updates) {
    const messages: string[] = [];
    try {
      const r = await lib.push({
        fs,
        http: http(),
        gitdir,
        url: redactUrl(url),
        remote,
        ref: u.src ?? u.dst,
        remoteRef: u.dst,
        force: u.force,
        delete: !u.src,
        onAuth: onAuthFor(url),
        onMessage: (m: string) => {
          messages.push(m);
          onMessage?.(m);
        },
      });
      const ref = r.refs?.[u.dst];
      if (r.ok && (!ref || ref.ok)) out.push({ dst: u.dst, ok: true });
      else out.push({ dst: u.dst, ok: false, ...classify(ref?.error ?? r.error ?? '') });
    } catch (e) {
      const err = e as {
        code?: string;
        data?: { reason?: string; result?: { refs?: Record<string, { error?: string }> } };
        message?: string;
      };
      if (err.code === 'PushRejectedError')
        out.push({
          dst: u.dst,
          ok: false,
          reason: err.data?.reason === 'not-fast-forward' ? 'non-fast-forward' : 'other',
          detail: err.data?.reason,
        });
      else if (err.code === 'GitPushError') out.push({ dst: u.dst, ok: false, ...classify(`${err.message} ${messages.join('')}`) });
      else throw networkError(url, e);
    }
  }
  return out;
}

function classify(text: string): Pick<PushOutcome, 'reason' | 'detail'> {
  const t = text.toLowerCase();
  if (t.includes('hook declined') || t.includes('pre-receive')) return { reason: 'declined', detail: text.trim() };
  if (t.includes('non-fast-forward') || t.includes('fetch first')) return { reason: 'non-fast-forward', detail: text.trim() };
  if (t.includes('lock') || t.includes('stale') || t.includes('failed to update') || t.includes('but expected'))
    return { reason: 'stale', detail: text.trim() };
  return { reason: 'other', detail: text.trim() };
}

async function pushPath(gitdir: string, url: string, updates: PushUpdate[], onMessage?: (line: string) => void): Promise<PushOutcome[]> {
  const out: PushOutcome[] = [];
  for (const u of updates) {
    const spec = `${u.force ? '+' : ''}${u.src ?? ''}:${u.dst}`;
    const r = await git(['--git-dir', gitdir, '-c', 'gc.auto=0', 'push', '--porcelain', pathOf(url), spec], { allowFail: true });
    for (const line of r.stderr.split('\n')) if (line.startsWith('remote: ')) onMessage?.(`${line.slice('remote: '.length)}\n`);
    const status = r.stdout.split('\n').find((l) => l.includes(`:${u.dst}\t`));
    if (r.code === 0 && status && !status.startsWith('!')) out.push({ dst: u.dst, ok: true });
    else if (!status && r.code !== 0) throw new GitFailed(`git push: ${r.stderr.trim().split('\n').pop()}`, {});
    else out.push({ dst: u.dst, ok: false, ...classify(`${status ?? ''} ${r.stderr}`) });
  }
  return out;
}
