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
export { quoteIdent, quoteLiteral } from './engine/quote.js';

// Every option and result type of the Repo API: the CLI, like any user, imports them from here.
export type { JsonRow } from './engine/db.js';
export type { Manifest, ChunkRef, DeltaRef } from './table/manifest.js';
export type { AddOptions, AddResult } from './ops/add-rm-mv.js';
export type { CommitOptions, CommitResult, CommitRefused, CommitOutcome } from './ops/commit.js';
export type { StatusResult, TableStatus, RepoState } from './ops/status.js';
export type { CheckoutOptions, CheckoutResult } from './ops/checkout.js';
export type { LogEntry, LogOptions } from './ops/history.js';
export type { ShowResult } from './ops/show.js';
export type { BranchInfo, ResetMode } from './ops/branch-tag-reset.js';
export type { FsckOptions, FsckProblem, FsckResult, GcResult } from './ops/maintenance.js';
export type { FsckRepair } from './ops/repair.js';
export type { SqlResult, SqlOptions } from './ops/sql/query.js';
export type { BlameOptions, BlameResult, BlameRow, BlameCell } from './ops/blame/index.js';
export type { RowCommits } from './ops/blame/row-commits.js';
export type { RowHistoryOptions, RowHistoryEntry, RowChange } from './ops/blame/row-history.js';
export type { MergeOptions, FinishOptions } from './ops/merge/index.js';
export type { MergeResult, MergeStatus } from './ops/merge/run.js';
export type { Conflict, TableOutcome } from './ops/merge/tree.js';
export type { ResolveOptions, ResolveResult } from './ops/merge/resolve.js';
export type { PickOptions } from './ops/merge/revert.js';
export type {
  DiffOptions,
  DiffSession,
  DiffRow,
  DiffOp,
  TableDiff,
  SchemaDelta,
  PairColumn,
  RowOptions,
  PlanInfo,
  TableStatus as DiffTableStatus,
} from './ops/diff/index.js';
export type { RowCounts } from './ops/diff/rowdiff.js';
export type { CheckReport, CheckResult, Introducer } from './ops/checks/index.js';
export type { CheckOptions } from './ops/verify/check.js';
export type { GateReport } from './ops/gates.js';
export type { RestoreOptions, RestoreResult } from './ops/restore.js';
export type { StashEntry, StashResult } from './ops/stash.js';
export { CONFIG_FILE } from './ops/context.js';
export { useS3Sdk } from './store/s3-store.js';
export type { FetchResult } from './ops/remote/fetch.js';
export type { PushResult } from './ops/remote/push.js';
export type { ReceiveVerdict, RefUpdate } from './ops/remote/receive.js';
export type { Recorded, TipRecord } from './ops/remote/receive-record.js';
export type { CloneOptions, PullOptions, PushOptions, TransferReporter } from './ops/remote/index.js';
