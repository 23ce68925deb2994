import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileText, runCli, tempRepo, type TempRepo } from '../helpers.js';
import { Repo } from '../../src/repo.js';
import { addOrigin, chunkFiles, cloneInto, commitAll, newRemote, useS3Env, type Remote } from './remote-helpers.js';

// Each push runs lakegit twice on the server side (pre-receive, post-receive); some 30 CLI runs a test.
vi.setConfig({ testTimeout: 480_000 });
beforeAll(useS3Env);

/*
 * The remote records the row-local checks it saw pass (`protect` on the remote, and each accepted
 * push to a protected branch through pre-receive + post-receive); a `--no-checkout` clone fetches
 * that record and checks `origin/f --into origin/main` reading only f's new chunks.
 *
 *   main: "load"  t: id,v,w  1..300 (v = id % 50, w = 'x'); lakegit.yaml: not_null w, range v >= 0, a row-local sql rule
 *   f:    main + one row changed (v 7 → 8)
 *   bad:  main + one row with v = -1 (committed --no-verify)
 */
const YAML = [
  'checks:',
  '  t:',
  '    not_null: [w]',
  '    range: { v: { min: 0 } }',
  '    sql:',
  '      - name: short_w',
  '        query: SELECT * FROM t WHERE length(w) > 3',
  '',
].join('\n');
const rows = (change: (id: number, v: number) => number = (_id, v) => v) =>
  `id,v,w\n${Array.from({ length: 300 }, (_, i) => `${i + 1},${change(i + 1, (i + 1) % 50)},x`).join('\n')}\n`;

interface Report {
  passed: boolean;
  checks: { check: string; passed: boolean; violations: number; mode: string }[];
}
const gitIn = (dir: string, ...args: string[]) => execFileText('git', ['--git-dir', dir, ...args], dir);
const verdicts = (r: Report) => r.checks.map((c) => [c.check, c.passed, c.violations]);

async function protectedLake(kind: 'path' | 'http'): Promise<{ remote: Remote; ann: TempRepo }> {
  const remote = await newRemote(kind);
  // Set-up in-process (init, add, commit, remote add, push -u: the API the CLI calls).
  const ann = await tempRepo({ 't.csv': rows(), 'lakegit.yaml': YAML });
  const a = await Repo.open(ann.dir);
  await a.add({ paths: ['t.csv'], cwd: ann.dir, key: ['id'] });
  await a.add({ paths: ['lakegit.yaml'], cwd: ann.dir });
  expect((await a.commit({ message: 'load' })).status).toBe('committed');
  await addOrigin(ann, remote.url);
  expect((await a.push({ remote: 'origin', branches: ['main'], setUpstream: true })).refs.every((r) => r.ok)).toBe(true);
  return { remote, ann };
}

describe.each(['path', 'http'] as const)('checks the remote recorded, over a %s remote', (kind) => {
  it('protect and pushes record passes, fetch brings them, a --no-checkout clone checks origin/f incrementally (only its chunks) as --full decides; no push writes the record', async () => {
    const { remote, ann } = await protectedLake(kind);
    await using _ann = ann;
    const protect = await runCli(remote.dir, ['-C', remote.dir, 'protect', 'main', '--json']);
    expect(protect.exitCode, protect.stderr).toBe(0);
    const loaded = (await gitIn(remote.dir, 'rev-parse', 'main')).trim();
    expect(JSON.parse(protect.stdout)).toEqual({
      branch: 'main',
      protected: true,
      changed: true,
      recorded: { branch: 'main', commit: loaded, passed: true, ran: 3, tables: ['t'], checks: 3 },
    });
    expect(await gitIn(remote.dir, 'notes', '--ref', 'lakegit-checks', 'list', loaded)).not.toBe('');

    const before = new Set(await chunkFiles(ann.dir));
    const a = await Repo.open(ann.dir); // set-up commits in-process
    await a.checkout({ target: 'HEAD', create: 'f' });
    await commitAll(ann, 'one row', { name: 't.csv', text: rows((id, v) => (id === 7 ? 8 : v)) });
    const fChunks = (await chunkFiles(ann.dir)).filter((c) => !before.has(c));
    // What the transport does not change is pinned over the path remote only (each CLI run costs seconds on a loaded machine).
    const thorough = kind === 'path';
    if (thorough) {
      await a.checkout({ target: 'main', create: 'bad' });
      await ann.write(
        't.csv',
        rows((id, v) => (id === 9 ? -1 : v)),
      );
      expect((await a.commit({ message: 'negative', all: true, noVerify: true })).status).toBe('committed');
    }
    await ann.ok('push', 'origin', 'f', ...(thorough ? ['bad'] : []));

    await using ci = await cloneInto(remote.url, ['--no-checkout']);
    expect(await gitIn(ci.path('.lakegit'), 'rev-parse', 'refs/notes/remotes/origin/lakegit-checks')).toMatch(/^[0-9a-f]{40}/);
    const inc = JSON.parse(await ci.ok('check', 'origin/f', '--into', 'origin/main', '--json')) as Report;
    expect(inc.checks.map((c) => c.mode)).toEqual(['incremental', 'incremental', 'incremental']);
    const fetched = await chunkFiles(ci.dir);
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.filter((c) => !fChunks.includes(c))).toEqual([]); // none of main's chunks
    const full = JSON.parse(await ci.ok('check', 'origin/f', '--into', 'origin/main', '--json', '--full')) as Report;
    expect(full.checks.map((c) => c.mode)).toEqual(['full', 'full', 'full']);
    expect(verdicts(inc)).toEqual(verdicts(full));
    expect(inc.passed).toBe(true);

    if (thorough) {
      // A failing candidate: the same verdict, violations included, incrementally and in full.
      const badInc = await ci.run('check', 'origin/bad', '--into', 'origin/main', '--json');
      const badFull = await ci.run('check', 'origin/bad', '--into', 'origin/main', '--json', '--full');
      expect([badInc.exitCode, badFull.exitCode]).toEqual([1, 1]);
      const [bi, bf] = [JSON.parse(badInc.stdout) as Report, JSON.parse(badFull.stdout) as Report];
      expect(bi.checks.map((c) => c.mode)).toEqual(['incremental', 'incremental', 'incremental']);
      expect(verdicts(bi)).toEqual(verdicts(bf));
      expect(verdicts(bi)).toContainEqual(['range(v)', false, 1]);

      // Trust: only the remote that guards the target counts. A local branch without an upstream has no guard.
      await ci.ok('branch', 'mine', 'origin/main');
      const mine = JSON.parse(await ci.ok('check', 'origin/f', '--into', 'mine', '--json')) as Report;
      expect(mine.checks.map((c) => c.mode)).toEqual(['full', 'full', 'full']);
    }

    // post-receive records an accepted push to the protected branch; fetch brings the record.
    await a.checkout({ target: 'main' });
    const record = async () => (await gitIn(remote.dir, 'rev-parse', 'refs/notes/lakegit-checks')).trim();
    const first = await record();

    await commitAll(ann, 'fix a row', { name: 't.csv', text: rows((id, v) => (id === 3 ? 4 : v)) });
    const pushed = await ann.run('push', 'origin', 'main');
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    const tip = (await gitIn(remote.dir, 'rev-parse', 'main')).trim();
    const note = JSON.parse(await gitIn(remote.dir, 'notes', '--ref', 'lakegit-checks', 'show', tip)) as {
      tables: Record<string, unknown>;
    };
    expect(Object.keys(note.tables)).toEqual(['t']);
    expect(await fsp.readdir(path.join(remote.dir, 'cache', 'received-passes'))).toEqual([]); // staged, then recorded

    // A fetch brings the new record; `remote remove` drops it.
    await ann.ok('fetch');
    const theirs = 'refs/notes/remotes/origin/lakegit-checks';
    expect((await gitIn(ann.path('.lakegit'), 'rev-parse', theirs)).trim()).toBe(await record());
    expect(await record()).not.toBe(first);

    // Plain git pushes to the record: an update, a forced one, a deletion, another refs/notes/lakegit-* name.
    // On top of the remote's record, so that the first push is a fast-forward git itself would take.
    await gitIn(ann.path('.lakegit'), 'update-ref', 'refs/notes/lakegit-checks', await record());
    await gitIn(ann.path('.lakegit'), 'notes', '--ref', 'lakegit-checks', 'add', '-f', '-m', '{"lakegit":1,"tables":{}}', tip);
    const url = kind === 'path' ? remote.dir : remote.url;
    for (const spec of [
      'refs/notes/lakegit-checks',
      '+refs/notes/lakegit-checks',
      ':refs/notes/lakegit-checks',
      'HEAD:refs/notes/lakegit-x',
    ]) {
      const r = await runGit(ann.path('.lakegit'), 'push', url, spec);
      expect(r.code, spec).not.toBe(0);
      expect(r.stderr, spec).toContain('only its own hooks write it');
    }
    expect(await record()).toBe((await gitIn(ann.path('.lakegit'), 'rev-parse', theirs)).trim());

    if (thorough) {
      await ann.ok('remote', 'remove', 'origin');
      expect((await runGit(ann.path('.lakegit'), 'rev-parse', '--verify', '-q', theirs)).code).not.toBe(0);
    }
  });
});

const runGit = async (gitDir: string, ...args: string[]) =>
  execFileText('git', ['--git-dir', gitDir, ...args], gitDir).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code?: number; stderr?: string; message?: string }) => ({
      code: Number(e.code ?? 1) || 1,
      stderr: String(e.stderr ?? e.message),
    }),
  );
