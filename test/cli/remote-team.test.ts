import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Repo } from '../../src/repo.js';
import { runCli, tempRepo, type TempRepo } from '../helpers.js';
import { addOrigin, cloneInto, newRemote, useS3Env } from './remote-helpers.js';

vi.setConfig({ testTimeout: 600_000 });
beforeAll(useS3Env);

const ANN = { LAKEGIT_AUTHOR_NAME: 'Ann Analyst', LAKEGIT_AUTHOR_EMAIL: 'ann@example.com' };
const BOB = { LAKEGIT_AUTHOR_NAME: 'Bob Builder', LAKEGIT_AUTHOR_EMAIL: 'bob@example.com' };
const orders = (rows: string[]) => `id,customer,amount,status\n${rows.join('\n')}\n`;
const base = ['1,10,100,new', '2,11,200,new', '3,12,300,paid', '4,13,400,new'];
const ANN_ID = 'Ann Analyst <ann@example.com>';
const BOB_ID = 'Bob Builder <bob@example.com>';

/**
 * Set-up in-process: `commit -a[m]` as `author` (the API the CLI calls, without a process start); the
 * verbs the team story is about (push, clone, pull, check, blame) run the CLI.
 */
async function commitAs(repo: TempRepo, author: string, message: string, opts: { noVerify?: boolean } = {}): Promise<void> {
  const r = await (await Repo.open(repo.dir)).commit({ message, all: true, author, ...opts });
  expect(r.status, message).toBe('committed');
}

describe('a team on a git host (git http-backend) and a bucket (s3rver)', () => {
  it('Ann and Bob push and pull, CI checks without a checkout, blame names both', async () => {
    const remote = await newRemote('http');
    await using ann = await tempRepo({
      'orders.csv': orders(base),
      'lakegit.yaml': 'checks:\n  orders:\n    not_null: [id, amount]\n    range: { amount: { min: 0 } }\n',
    });
    const as = (who: Record<string, string>, dir: string, ...args: string[]) =>
      runCli(dir, args, who).then((r) => {
        if (r.exitCode !== 0) throw new Error(`lakegit ${args.join(' ')} exited ${r.exitCode}\n${r.stderr}`);
        return r.stdout;
      });
    const a = await Repo.open(ann.dir);
    await a.add({ paths: ['orders.csv'], cwd: ann.dir, key: ['id'] });
    await a.add({ paths: ['lakegit.yaml'], cwd: ann.dir });
    await commitAs(ann, ANN_ID, 'load orders');
    await addOrigin(ann, remote.url);
    await ann.ok('push', '-u', 'origin', 'main');

    await using bob = await cloneInto(remote.url);
    // Ann changes order 2's amount, Bob order 3's status: the same table, different cells.
    await ann.write('orders.csv', orders(['1,10,100,new', '2,11,250,new', '3,12,300,paid', '4,13,400,new']));
    await commitAs(ann, ANN_ID, 'ann: fix amount of 2');
    await bob.write('orders.csv', orders(['1,10,100,new', '2,11,200,new', '3,12,300,shipped', '4,13,400,new']));
    await commitAs(bob, BOB_ID, 'bob: ship 3');
    await ann.ok('push');
    const rejected = await bob.run('push');
    expect(rejected.exitCode).toBe(1);
    expect(rejected.stderr).toContain('non-fast-forward');
    expect(rejected.stderr).toContain('lakegit pull');
    // Bob pulls: a cell-level merge keeps both changes, then his push goes through.
    const pulled = await runCli(bob.dir, ['pull'], BOB);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(await bob.read('orders.csv')).toContain('2,11,250,new');
    expect(await bob.read('orders.csv')).toContain('3,12,300,shipped');
    await bob.ok('push');

    // CI: a clone without a checkout checks a feature branch against origin/main.
    await as(ANN, ann.dir, 'pull');
    await (await Repo.open(ann.dir)).checkout({ target: 'HEAD', create: 'feature' });
    await ann.write('orders.csv', orders(['1,10,100,new', '2,11,250,new', '3,12,300,shipped', '4,13,-5,new']));
    await commitAs(ann, ANN_ID, 'ann: negative amount', { noVerify: true }); // local checks skipped: CI must catch it
    await ann.ok('push', '-u', 'origin', 'feature');
    await using ci = await cloneInto(remote.url, ['--no-checkout']);
    const check = await ci.run('check', 'origin/feature', '--into', 'origin/main', '--json');
    expect(check.exitCode).toBe(1);
    expect(JSON.parse(check.stdout).checks.find((c: { check: string }) => c.check.startsWith('range')).violations).toBe(1);
    expect((await ci.run('check', 'origin/main')).exitCode).toBe(0);

    // An auditor's clone: blame names both authors.
    await using audit = await cloneInto(remote.url);
    const blame = JSON.parse(await audit.ok('blame', 'orders', '--json'));
    const by = Object.fromEntries(blame.rows.map((r: { key: { id: number }; author: string }) => [r.key.id, r.author]));
    expect(by[2]).toBe(ANN_ID);
    expect(by[3]).toBe(BOB_ID);
  });
});
