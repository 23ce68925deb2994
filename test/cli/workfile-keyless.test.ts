import { describe, expect, it } from 'vitest';
import type { TempRepo } from '../helpers.js';
import { api, commit, newRepo, statusText, track } from './core-helpers.js';

// #16 defect 11: a keyless working file keeps its own row order. Rows that stay keep their place
// (and their bytes), removed rows go (of duplicates, the last copies in the file), and added rows
// are appended in value order (docs/cli.md, "Row order of working files").

const H = 'city,n\n';
const file = (...rows: string[]) => H + rows.map((r) => `${r}\n`).join('');

/** What `status` prints after the verb, read in-process (the verbs under test run the CLI; status has its own tests). */
async function expectClean(repo: TempRepo, verb: string): Promise<void> {
  expect(await statusText(repo), verb).toContain('nothing to commit, working tree clean');
}

describe('keyless working files', () => {
  it('checkout: a keyless file keeps its row order both ways; removed rows go, added rows are appended', async () => {
    // Not in value order, a duplicate row, and the user's own quoting on one copy.
    const v1 = file('Rome,3', '"Oslo",1', 'Zürich,2', 'Oslo,1', 'Bern,9');
    await using repo = await newRepo({ 'k.csv': v1 });
    await track(repo, 'k.csv', null);
    await commit(repo, 'v1');
    await (await api(repo)).checkout({ target: 'HEAD', create: 'edit' });
    // The edit removes Zürich and appends Athens.
    const v2 = file('Rome,3', '"Oslo",1', 'Oslo,1', 'Bern,9', 'Athens,4');
    await repo.write('k.csv', v2);
    await commit(repo, 'edit', true);

    await repo.ok('checkout', 'main');
    expect(await repo.read('k.csv')).toBe(file('Rome,3', '"Oslo",1', 'Oslo,1', 'Bern,9', 'Zürich,2'));
    await expectClean(repo, 'checkout main');
    await repo.ok('checkout', 'edit');
    expect(await repo.read('k.csv')).toBe(v2);
    await expectClean(repo, 'checkout edit');
  }, 240_000);

  it('revert, reset --hard, stash, restore, merge: a keyless file keeps its order; the last copies of a row go first', async () => {
    await using repo = await newRepo({ 'k.csv': file('Rome,3', '"Oslo",1', 'Bern,9', 'Oslo,1') });
    await track(repo, 'k.csv', null);
    await commit(repo, 'v1');
    // v2 removes one Oslo (the user deleted the first copy) and appends Athens.
    const v2 = file('Rome,3', 'Bern,9', 'Oslo,1', 'Athens,4');
    await repo.write('k.csv', v2);
    await commit(repo, 'v2', true);

    await repo.ok('revert', 'HEAD');
    expect(await repo.read('k.csv')).toBe(file('Rome,3', 'Bern,9', 'Oslo,1', 'Oslo,1'));
    await expectClean(repo, 'revert');
    await repo.ok('reset', '--hard', 'HEAD~1');
    // Two copies of Oslo, v2 has one: the last copy goes.
    expect(await repo.read('k.csv')).toBe(v2);
    await expectClean(repo, 'reset --hard');

    // The user moves Athens up and adds Lima; stash takes the file back to HEAD's rows, pop brings them again.
    const edited = file('Athens,4', 'Rome,3', 'Bern,9', 'Oslo,1', 'Lima,5');
    await repo.write('k.csv', edited);
    await repo.ok('stash');
    expect(await repo.read('k.csv')).toBe(file('Athens,4', 'Rome,3', 'Bern,9', 'Oslo,1'));
    await expectClean(repo, 'stash');
    await repo.ok('stash', 'pop');
    expect(await repo.read('k.csv')).toBe(edited);
    // stash pop stages what it applies: discard it from the index and the file.
    await repo.ok('restore', '--staged', '--worktree', 'k');
    expect(await repo.read('k.csv')).toBe(file('Athens,4', 'Rome,3', 'Bern,9', 'Oslo,1'));
    await expectClean(repo, 'restore');

    // A three-way merge: ours removes Rome, theirs appends Quito and Cairo.
    await (await api(repo)).checkout({ target: 'HEAD', create: 'side' });
    await repo.write('k.csv', file('Athens,4', 'Rome,3', 'Bern,9', 'Oslo,1', 'Quito,7', 'Cairo,8'));
    await commit(repo, 'side', true);
    await (await api(repo)).checkout({ target: 'main' });
    await repo.write('k.csv', file('Athens,4', 'Bern,9', 'Oslo,1'));
    await commit(repo, 'drop Rome', true);
    await repo.ok('merge', 'side', '-m', 'merge side');
    expect(await repo.read('k.csv')).toBe(file('Athens,4', 'Bern,9', 'Oslo,1', 'Cairo,8', 'Quito,7'));
    await expectClean(repo, 'merge');
  }, 240_000);
});
