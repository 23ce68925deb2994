import type { FigureModule } from '../context.js';
import { blame } from './blame.js';
import { checks } from './checks.js';
import { core } from './core.js';
import { diff } from './diff.js';
import { merge } from './merge.js';
import { remote } from './remote.js';
import { sql } from './sql.js';
import { workfile } from './workfile.js';

/**
 * Every figure module, run in this order: one per issue, built on `Bench.history()` and
 * `branchWith()` so data is generated once per run and shared.
 */
export const MODULES: FigureModule[] = [core, sql, diff, merge, checks, blame, workfile, remote];
