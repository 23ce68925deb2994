/**
 * An ASCII commit graph in the style of `git log --graph`, for commits listed children before
 * parents. Each column waits for one commit; a commit takes its column (or opens one), hands it to
 * its first parent, opens a column for each other parent (`|\`), and columns that come to wait for
 * the same commit are joined (`|/`).
 */
export interface GraphCommit {
  commit: string;
  parents: string[];
}

const bars = (n: number, mark = -1) => Array.from({ length: n }, (_, i) => (i === mark ? '*' : '|')).join(' ');

export function graphLines<T extends GraphCommit>(commits: T[], render: (c: T) => string[]): string[] {
  let columns: string[] = [];
  const out: string[] = [];
  for (const c of commits) {
    let at = columns.indexOf(c.commit);
    if (at < 0) at = columns.push(c.commit) - 1;
    const [first, ...others] = c.parents;
    const next = [...columns];
    if (first === undefined) next.splice(at, 1);
    else next[at] = first;
    const opened = others.filter((p) => !next.includes(p));
    next.splice(at + 1, 0, ...opened);
    const [head, ...rest] = render(c);
    out.push(`${bars(columns.length, at)} ${head ?? ''}`.trimEnd());
    if (opened.length)
      out.push(`${bars(at + 1)}${'\\'.repeat(opened.length)}${columns.length > at + 1 ? ' ' + bars(columns.length - at - 1) : ''}`);
    // Body lines sit beside the columns that go on below this commit (none under a root commit).
    for (const line of rest) out.push(`${bars(next.length).padEnd(2 * Math.max(1, next.length) - 1)}  ${line}`.trimEnd());
    const joined = next.filter((oid, i) => next.indexOf(oid) === i);
    if (joined.length < next.length) {
      out.push(next.map((oid, i) => (next.indexOf(oid) === i ? `${i ? ' ' : ''}|` : '/')).join(''));
    }
    columns = joined;
  }
  return out;
}
