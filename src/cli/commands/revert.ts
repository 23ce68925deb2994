import { pickBuilder, pickSpec, runPick, type PickArgs } from '../pick.js';

export const command = 'revert [rev]';
export const describe = "a new commit undoing a commit's row changes (three-way: later edits to the same cells conflict)";
export const spec = pickSpec;
export const builder = pickBuilder;
export const handler = (argv: PickArgs): Promise<void> => runPick(argv, 'revert');

export const examples: [string, string][] = [
  ['revert HEAD', "a new commit undoing the last commit's row changes"],
  ['revert abc1234 --no-commit', 'undo a commit in the working files only'],
];
