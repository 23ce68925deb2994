/**
 * Typed errors. Each kind is its own class with a stable `code` (as isomorphic-git's errors carry
 * one), so an API user can tell them apart by `instanceof` or by `code`; the class decides the exit
 * code (2 bad input, 1 refused, 3 damage) and gives a hint when the call site has none. The CLI
 * prints message and hint.
 */
export type ExitCode = 1 | 2 | 3;
type Data = Record<string, unknown>;

export class LakegitError extends Error {
  static readonly code: string = 'LakegitError';
  static readonly exitCode: ExitCode = 2;
  static readonly hint: string | undefined = undefined;
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint?: string;
  constructor(
    message: string,
    readonly data: Data = {},
    hint?: string,
  ) {
    super(message);
    const kind = new.target as typeof LakegitError;
    this.code = kind.code;
    this.name = kind.code;
    this.exitCode = kind.exitCode;
    this.hint = hint ?? kind.hint;
  }
}

// ---- exit 2: what was given does not fit ----

/** Bad input with no more specific class. */
export class BadInput extends LakegitError {
  static override readonly code: string = 'BadInput';
}
/** Flags or arguments that do not go together, or a required one that is missing. */
export class UsageError extends LakegitError {
  static override readonly code: string = 'UsageError';
  static override readonly hint = "see 'lakegit <command> --help'";
}
export class UnknownRevision extends LakegitError {
  static override readonly code: string = 'UnknownRevision';
  static override readonly hint = "run 'lakegit log --oneline' to list commits";
  constructor(rev: string, hint?: string) {
    super(`unknown revision '${rev}'`, { rev }, hint);
  }
}
export class UnknownTable extends LakegitError {
  static override readonly code: string = 'UnknownTable';
  static override readonly hint = "run 'lakegit status' to list tracked tables";
  constructor(table: string, rev?: string, o: { message?: string; hint?: string } = {}) {
    super(o.message ?? (rev ? `no table '${table}' at revision '${rev}'` : `no table '${table}'`), { table, rev }, o.hint);
  }
}
export class UnknownBranch extends LakegitError {
  static override readonly code: string = 'UnknownBranch';
  static override readonly hint = "run 'lakegit branch --list' to list branches";
  constructor(branch: string, hint?: string) {
    super(`no branch named '${branch}'`, { branch }, hint);
  }
}
export class UnknownTag extends LakegitError {
  static override readonly code: string = 'UnknownTag';
  static override readonly hint = "run 'lakegit tag --list' to list tags";
  constructor(tag: string) {
    super(`no tag named '${tag}'`, { tag });
  }
}
/** A column name (a key column, --columns, blame's columns) that the table does not have. */
export class UnknownColumn extends LakegitError {
  static override readonly code: string = 'UnknownColumn';
  static override readonly hint = "column names are case-sensitive; 'lakegit show <rev>' lists a table's columns";
}
/** A branch, tag or table name that is already taken. */
export class AlreadyExists extends LakegitError {
  static override readonly code: string = 'AlreadyExists';
  static override readonly hint = 'choose another name';
  constructor(kind: 'branch' | 'tag' | 'table', name: string, message = `a ${kind} named '${name}' already exists`, hint?: string) {
    super(message, { [kind]: name }, hint);
  }
}
/** A branch, tag, table or table reference that is not a valid name. */
export class InvalidName extends LakegitError {
  static override readonly code: string = 'InvalidName';
  static override readonly hint = "a name may not contain spaces, '..', '~', '^', ':', '?', '*' or '['";
}
/** Two rows share a primary key value. */
export class DuplicateKey extends LakegitError {
  static override readonly code: string = 'DuplicateKey';
  static override readonly hint = 'a primary key must be unique; choose another --key or use --keyless';
}
/** A primary key that cannot be one: missing, NULL in some row, of an unkeyable type, or changed. */
export class InvalidKey extends LakegitError {
  static override readonly code: string = 'InvalidKey';
  static override readonly hint = 'pass --key <column>[,<column>] naming columns with a unique, non-NULL value in every row, or --keyless';
}
/** A data file lakegit cannot read as a table: a parse error, no or duplicate or reserved column names, no rows to infer from. */
export class MalformedFile extends LakegitError {
  static override readonly code: string = 'MalformedFile';
  static override readonly hint = 'fix the file, or check that it is the format its extension says';
}
/** A data file that does not exist (or vanished while it was read). */
export class MissingFile extends LakegitError {
  static override readonly code: string = 'MissingFile';
  static override readonly hint = "check the path; 'lakegit status' lists the tracked files";
}
/** A file whose extension is not a format lakegit reads. */
export class UnsupportedFile extends LakegitError {
  static override readonly code: string = 'UnsupportedFile';
  static override readonly hint = 'use a .csv, .tsv, .parquet, .jsonl or .ndjson file';
}
/** A path outside the work tree, or inside `.lakegit/`. */
export class BadPath extends LakegitError {
  static override readonly code: string = 'BadPath';
  static override readonly hint = "data files live inside the repository's work tree, outside .lakegit/";
}
/** A malformed lakegit.yaml, or one naming an unknown table or column. */
export class MalformedConfig extends LakegitError {
  static override readonly code: string = 'MalformedConfig';
  static override readonly hint = 'docs/cli.md describes lakegit.yaml';
}
/** A `sql` query that does not parse, writes, or fails. */
export class InvalidQuery extends LakegitError {
  static override readonly code: string = 'InvalidQuery';
  static override readonly hint = 'sql runs one SELECT query; name tables as name or name@rev';
}
/** A `--where` condition that does not fit the table. */
export class InvalidFilter extends LakegitError {
  static override readonly code: string = 'InvalidFilter';
  static override readonly hint = "write a DuckDB condition over the table's columns";
}
/** Two commits with no merge base, or with several. */
export class NoMergeBase extends LakegitError {
  static override readonly code: string = 'NoMergeBase';
  static override readonly hint = 'compare or merge commits that share history';
}
/** --continue, --abort or resolve with no merge, revert or cherry-pick under way. */
export class NothingInProgress extends LakegitError {
  static override readonly code: string = 'NothingInProgress';
  static override readonly hint = "start one with 'lakegit merge <branch>'";
  constructor(hint?: string, message = 'no merge, revert or cherry-pick is in progress') {
    super(message, {}, hint);
  }
}
/** No author name or a malformed --author / date. */
export class BadIdentity extends LakegitError {
  static override readonly code: string = 'BadIdentity';
  static override readonly hint = 'run \'lakegit config user.name "Your Name"\', or pass --author "Name <email>"';
}
export class NotARepository extends LakegitError {
  static override readonly code: string = 'NotARepository';
  static override readonly hint = "run 'lakegit init' first";
  constructor(dir: string) {
    super(`not a lakegit repository: ${dir}`, { dir });
  }
}

// ---- exit 1: refused, nothing changed ----

/** Refused with no more specific class. */
export class Refused extends LakegitError {
  static override readonly code: string = 'Refused';
  static override readonly exitCode: ExitCode = 1;
}
/** Uncommitted changes, or untracked files, that the command would overwrite or drop. */
export class WouldOverwrite extends Refused {
  static override readonly code: string = 'WouldOverwrite';
  static override readonly hint = 'commit the changes first, or use --force to discard them';
}
export class NothingToCommit extends Refused {
  static override readonly code: string = 'NothingToCommit';
  static override readonly hint = "use 'lakegit add' to stage changes, or --allow-empty";
}
/** A merge, revert or cherry-pick is under way (or interrupted), or its conflicts remain. */
export class MergeInProgress extends Refused {
  static override readonly code: string = 'MergeInProgress';
  static override readonly hint = "finish it with 'lakegit merge --continue' or leave it with 'lakegit merge --abort'";
}
/** A ref moved under the command (another writer, or HEAD since a merge started). */
export class RefMoved extends Refused {
  static override readonly code: string = 'RefMoved';
  static override readonly hint = 'run the command again';
}
export class LockBusy extends Refused {
  static override readonly code: string = 'LockBusy';
  static override readonly hint = 'wait for it to finish and try again';
  constructor(path: string) {
    super(`another lakegit process holds the repository lock (${path})`, { path });
  }
}

// ---- exit 3: damage ----

export class Corrupt extends LakegitError {
  static override readonly code: string = 'Corrupt';
  static override readonly hint = "run 'lakegit fsck' to see what is damaged";
  static override readonly exitCode: ExitCode = 3;
}

// Thin helpers, kept so the call sites with no more specific class stay as they are.
export const unknownRevision = (rev: string) => new UnknownRevision(rev);
export const unknownTable = (table: string, rev?: string) => new UnknownTable(table, rev);
// ---- remotes ----

/** A remote name that is not configured. */
export class UnknownRemote extends LakegitError {
  static override readonly code: string = 'UnknownRemote';
}

/** No remote to use: none configured, or several and none is the default. */
export class NoRemote extends LakegitError {
  static override readonly code: string = 'NoRemote';
}

/** A fetched chunk whose rows do not hash to its id: refused, nothing of it kept. */
export class BadChunk extends LakegitError {
  static override readonly code: string = 'BadChunk';
  static override readonly exitCode: ExitCode = 1;
}

/** A chunk that is neither local nor in any chunk store a remote names. */
export class MissingChunk extends LakegitError {
  static override readonly code: string = 'MissingChunk';
  static override readonly exitCode: ExitCode = 3;
}

/** A chunk a remote ref names that its chunk store lacks. */
export class ChunkNotInStore extends LakegitError {
  static override readonly code: string = 'ChunkNotInStore';
  static override readonly exitCode: ExitCode = 3;
}

/** A chunk store (directory or bucket) that cannot be used. */
export class ChunkStoreUnreachable extends LakegitError {
  static override readonly code: string = 'ChunkStoreUnreachable';
  static override readonly exitCode: ExitCode = 3;
}

/** The git program, which path remotes use, cannot be run. */
export class GitMissing extends LakegitError {
  static override readonly code: string = 'GitMissing';
  static override readonly exitCode: ExitCode = 3;
}

/** A git program run for a path remote failed. */
export class GitFailed extends LakegitError {
  static override readonly code: string = 'GitFailed';
  static override readonly exitCode: ExitCode = 3;
}

/** A chunk upload to the remote store failed. */
export class UploadFailed extends LakegitError {
  static override readonly code: string = 'UploadFailed';
  static override readonly exitCode: ExitCode = 3;
}

/** A remote git repository that cannot be reached. */
export class RemoteUnreachable extends LakegitError {
  static override readonly code: string = 'RemoteUnreachable';
  static override readonly exitCode: ExitCode = 3;
}

/** A remote URL where no repository answers (HTTP 404). */
export class RemoteNotFound extends LakegitError {
  static override readonly code: string = 'RemoteNotFound';
}

export const badInput = (message: string, data: Data = {}, hint?: string) => new BadInput(message, data, hint);
export const refused = (message: string, data: Data = {}, hint?: string) => new Refused(message, data, hint);
export const notARepository = (dir: string) => new NotARepository(dir);
export const corrupt = (message: string, data: Data = {}) => new Corrupt(message, data);
export const lockBusy = (path: string) => new LockBusy(path);
