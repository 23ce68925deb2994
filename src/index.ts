export { Repo } from './repo.js';
export { LakegitError } from './errors.js';
export type { Manifest, ChunkRef, DeltaRef } from './table/manifest.js';
export type { StatusResult, TableStatus } from './ops/status.js';
export type { LogEntry, LogOptions } from './ops/history.js';
export type { ShowResult } from './ops/show.js';
export type { SqlResult, SqlOptions } from './ops/sql/query.js';
