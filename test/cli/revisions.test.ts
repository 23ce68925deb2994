import { afterAll, describe, expect, it } from 'vitest';
import { execFileText } from '../helpers.js';
import { api, expectRefusedUnchanged, json, ordersRepo } from './core-helpers.js';

/**
 * History (oldest first): A load orders → B → C on main; D on side from A; M = merge of C and D
 * made with git's own plumbing (lakegit's history is a real git history).
 *
 *   A ─ B ─ C ─ M   (main)
 *    \─ D ────/     (side)
 *
 * Set up in-process (and git's plumbing), once for the file: every test here only reads it.
 */
async function build() {
  const repo = await ordersRepo();
  const r = await api(repo);
  await r.commit({ message: 'B', allowEmpty: true });
  await r.commit({ message: 'C', allowEmpty: true });
  const [c, b, a] = (await r.log()).map((e) => e.commit);
  await r.createBranch('side', a);
  const git = (...args: string[]) => execFileText('git', ['--git-dir', '.lakegit', ...args], repo.dir).then((s) => s.trim());
  const env =
    'GIT_AUTHOR_NAME=x GIT_AUTHOR_EMAIL=x@x GIT_COMMITTER_NAME=x GIT_COMMITTER_EMAIL=x@x GIT_AUTHOR_DATE=2026-01-02T00:00:00Z GIT_COMMITTER_DATE=2026-01-02T00:00:00Z';
  const sh = (cmd: string) => execFileText('sh', ['-c', `${env} ${cmd}`], repo.dir).then((s) => s.trim());
  const tree = await git('rev-parse', `${a}^{tree}`);
  const d = await sh(`git --git-dir .lakegit commit-tree ${tree} -p ${a} -m D`);
  await git('update-ref', 'refs/heads/side', d);
  const m = await sh(`git --git-dir .lakegit commit-tree ${tree} -p ${c} -p ${d} -m M`);
  await git('update-ref', 'refs/heads/main', m);
  return { repo, a, b, c, d, m };
}
let shared: ReturnType<typeof build> | undefined;
/** The graph, built on first use; what a test disposes of is a no-op (the file's afterAll removes it). */
const graph = async () => {
  const g = await (shared ??= build());
  return { ...g, repo: Object.assign(Object.create(g.repo), { [Symbol.asyncDispose]: async () => {} }) as typeof g.repo };
};
afterAll(async () => {
  if (shared) await (await shared).repo[Symbol.asyncDispose]();
});

const resolve = async (repo: Awaited<ReturnType<typeof graph>>['repo'], rev: string) => (await json(repo, 'show', rev)).commit;

describe('revisions', () => {
  it('revisions: ~N follows first parents and ^N picks the Nth parent', async () => {
    const g = await graph();
    await using repo = g.repo;
    expect(await resolve(repo, 'HEAD')).toBe(g.m);
    expect(await resolve(repo, 'HEAD^')).toBe(g.c);
    expect(await resolve(repo, 'HEAD^1')).toBe(g.c);
    expect(await resolve(repo, 'HEAD^2')).toBe(g.d);
    expect(await resolve(repo, 'HEAD~2')).toBe(g.b);
    expect(await resolve(repo, 'main~3')).toBe(g.a);
    expect(await resolve(repo, 'HEAD^2~1')).toBe(g.a);
    expect(await resolve(repo, 'side^')).toBe(g.a);
    expect(await resolve(repo, 'HEAD~0')).toBe(g.m);
  });

  it('revisions: full ids and unique prefixes of 4 or more hex digits', async () => {
    const g = await graph();
    await using repo = g.repo;
    expect(await resolve(repo, g.b)).toBe(g.b);
    expect(await resolve(repo, g.b.slice(0, 10))).toBe(g.b);
    expect(await resolve(repo, `${g.b.slice(0, 7)}~1`)).toBe(g.a);
    const r = await repo.run('show', g.b.slice(0, 3));
    expect(r.exitCode).toBe(2);
  });

  it('revisions: past the root, a missing parent and unknown names are exit 2 naming the revision', async () => {
    const g = await graph();
    await using repo = g.repo;
    for (const rev of ['HEAD~4', 'HEAD^3', 'side~2', 'nosuch', 'nosuch~1', '0000000']) {
      const r = await expectRefusedUnchanged(repo, 2, 'show', rev);
      expect(r.stderr).toContain(`unknown revision '${rev}'`);
    }
  });

  it('revisions: table@rev reads a table at that revision, and an unknown table there is exit 2', async () => {
    const g = await graph();
    await using repo = g.repo;
    expect(await repo.ok('files', `orders@${g.a.slice(0, 8)}`)).toBe(await repo.ok('files', 'orders@HEAD^2'));
    const r = await expectRefusedUnchanged(repo, 2, 'files', 'customers@HEAD~1');
    expect(r.stderr).toContain("no table 'customers' at revision 'HEAD~1'");
    expect((await expectRefusedUnchanged(repo, 2, 'files', 'orders@HEAD~9')).stderr).toContain("unknown revision 'HEAD~9'");
  });

  it('revisions: log of a merge lists both lines of history once', async () => {
    const g = await graph();
    await using repo = g.repo;
    const log = await json(repo, 'log');
    expect(log.map((e: any) => e.commit).sort()).toEqual([g.a, g.b, g.c, g.d, g.m].sort());
    expect(log[0]).toMatchObject({ commit: g.m, parents: [g.c, g.d], message: 'M' });
    expect(await repo.ok('log')).toContain(`Merge: ${g.c.slice(0, 7)} ${g.d.slice(0, 7)}`);
  });
});
