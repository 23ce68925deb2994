import { pickBuilder, pickSpec, runPick, type PickArgs } from '../pick.js';

export const command = 'cherry-pick [rev]';
export const describe = "apply a commit's row changes to HEAD as a new commit";
export const spec = pickSpec;
export const builder = pickBuilder;
export const handler = (argv: PickArgs): Promise<void> => runPick(argv, 'cherry-pick');

export const examples: [string, string][] = [
  ['cherry-pick fix', 'apply the last commit of fix to HEAD'],
  ['cherry-pick abc1234', "apply one commit's row changes"],
];
