import { installGates } from '../ops/gates.js';

/*
 * Operations are imported when first called: a process that runs `log` never compiles merge, diff,
 * checks or sql. Each loader below is one module of src/ops/.
 */
export const stage = () => import('../ops/add-rm-mv.js');
export const refs = () => import('../ops/branch-tag-reset.js');
export const mergeOps = () => import('../ops/merge/index.js');
export const resolveOps = () => import('../ops/merge/resolve.js');
export const revertOps = () => import('../ops/merge/revert.js');
export const maintenance = () => import('../ops/maintenance.js');
export const read = () => import('../ops/files-export.js');
export const configOps = () => import('../ops/config.js');
export const protect = () => import('../ops/protect.js');
export const verify = () => import('../ops/verify/index.js');
export const remotes = () => import('../ops/remote/index.js');

/*
 * Every write path (commit, merge, revert, cherry-pick, reset) passes through the gates of
 * src/ops/gates.ts; their implementation (checks, hooks, protection) sits above merge and commit,
 * so it is plugged in here, where both are in reach, and loaded only when a write needs it.
 */
installGates(async () => (await verify()).gates);
