import type { FetchResult, PushResult } from '../../index.js';

const short = (oid?: string) => (oid ? oid.slice(0, 7) : '');
const name = (ref: string) => ref.replace(/^refs\/(heads|remotes|tags)\//, '');

/** ` a1b2c3d..e4f5a6b  main -> origin/main`, as git prints a fetch. */
export function renderRefUpdates(updates: FetchResult['updated']): string {
  return updates
    .map((u) =>
      !u.from
        ? ` * [new branch]      ${name(u.ref)}`
        : !u.to
          ? ` - [deleted]         ${name(u.ref)}`
          : `   ${short(u.from)}..${short(u.to)}  ${name(u.ref)}`,
    )
    .join('\n');
}

/** What a push did (stdout) and what it could not do, with the hint (stderr). */
export function renderPush(r: PushResult): { out: string; err: string } {
  const out = [`To ${r.url}`];
  if (r.chunks) out.push(`uploaded ${r.chunks} chunk(s), ${r.bytes} bytes, to ${r.store}`);
  const err: string[] = [];
  for (const x of r.refs) {
    if (x.ok)
      out.push(
        x.from === x.to
          ? `   = [up to date]  ${name(x.dst)}`
          : ` ${x.from ? `  ${short(x.from)}..${short(x.to)}` : '* [new branch]    '}  ${name(x.dst)}`,
      );
    else
      err.push(
        ` ! [rejected]        ${name(x.dst)} (${x.reason === 'non-fast-forward' ? 'non-fast-forward' : x.reason === 'stale' ? 'the remote branch moved during the push' : x.reason === 'declined' ? 'refused by the remote' : (x.detail ?? 'refused')})`,
      );
  }
  if (err.length) {
    const msgs = r.messages.join('').trim();
    if (msgs)
      err.unshift(
        msgs
          .split('\n')
          .map((l) => `remote: ${l}`)
          .join('\n'),
      );
    const reasons = new Set(r.refs.filter((x) => !x.ok).map((x) => x.reason));
    err.push(`lakegit: error: failed to push some refs to ${r.url}`);
    if (reasons.has('non-fast-forward') || reasons.has('stale'))
      err.push("hint: the remote has commits you do not have: run 'lakegit pull', then push again (--force overwrites them)");
    else if (reasons.has('declined')) err.push("hint: the remote's checks refused the push: see its report above");
  }
  return { out: out.join('\n'), err: err.join('\n') };
}
