import { describe, expect, it } from 'vitest';
import { Repo } from '../../src/repo.js';
import { snapshotDir, tempRepo } from '../helpers.js';
import { commitFile, json } from './merge-fixture.js';

const t = (...rows: string[]) => `id,amount\n${rows.map((r) => `${r}\n`).join('')}`;

// git users type `git revert --no-edit`: lakegit never opens an editor, so it accepts the flag and does what it always does.
describe('revert and cherry-pick: --no-edit', () => {
  it('revert --no-edit makes the same commit as revert; --edit is refused with nothing changed', async () => {
    await using repo = await tempRepo({ 'o.csv': t('1,10', '2,20') }, false);
    const r = await Repo.init(repo.dir);
    await r.add({ paths: ['o.csv'], cwd: repo.dir, key: ['id'] });
    await r.commit({ message: 'load' });
    const bump = await commitFile(repo, 'o.csv', t('1,99', '2,20'), 'bump');
    const before = await snapshotDir(repo.dir);
    const edit = await repo.run('revert', bump, '--edit');
    expect(edit.exitCode).toBe(2);
    expect(edit.stderr).toContain('never opens an editor');
    expect(await snapshotDir(repo.dir)).toEqual(before);
    await repo.ok('revert', bump, '--no-edit');
    expect(await repo.read('o.csv')).toBe(t('1,10', '2,20'));
    const log = await json<{ message: string }[]>(repo, 'log', '-n', '1');
    expect(log.value[0].message).toMatch(/^Revert "bump"/);
    await repo.ok('cherry-pick', bump, '--no-edit');
    expect(await repo.read('o.csv')).toBe(t('1,99', '2,20'));
  });
});
