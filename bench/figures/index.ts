import type { FigureModule } from '../context.js';
import { core } from './core.js';
import { merge } from './merge.js';
import { sql } from './sql.js';

/**
 * Every figure module, run in this order. A later issue adds its figures as one module here
 * (e.g. `diff.ts` for issue 4), built on `Bench.history()` and `branchWith()` so data is generated once.
 */
export const MODULES: FigureModule[] = [core, sql, merge];
