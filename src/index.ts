export { Repo } from './repo.js';
export {
  LakegitError,
  BadInput,
  UsageError,
  UnknownRevision,
  UnknownTable,
  UnknownBranch,
  UnknownTag,
  UnknownColumn,
  AlreadyExists,
  InvalidName,
  DuplicateKey,
  InvalidKey,
  MalformedFile,
  MissingFile,
  UnsupportedFile,
  BadPath,
  MalformedConfig,
  InvalidQuery,
  InvalidFilter,
  NoMergeBase,
  NothingInProgress,
  BadIdentity,
  NotARepository,
  Refused,
  WouldOverwrite,
  NothingToCommit,
  MergeInProgress,
  RefMoved,
  LockBusy,
  Corrupt,
} from './errors.js';
export type { ExitCode } from './errors.js';
export type { Manifest, ChunkRef, DeltaRef } from './table/manifest.js';
export type { StatusResult, TableStatus } from './ops/status.js';
export type { LogEntry } from './ops/history.js';
export type { SqlResult, SqlOptions } from './ops/sql/query.js';
