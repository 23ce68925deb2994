/** Typed errors: the class and code decide the exit code; the CLI prints message and hint. */
export type ExitCode = 1 | 2 | 3;

export class LakegitError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode = 2,
    readonly data: Record<string, unknown> = {},
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'LakegitError';
  }
}

const err = (code: string, exit: ExitCode, message: string, data: Record<string, unknown>, hint?: string) =>
  new LakegitError(code, message, exit, data, hint);

export const unknownRevision = (rev: string) =>
  err('UnknownRevision', 2, `unknown revision '${rev}'`, { rev }, "run 'lakegit log --oneline' to list commits");
export const unknownTable = (table: string, rev?: string) =>
  err(
    'UnknownTable',
    2,
    rev ? `no table '${table}' at revision '${rev}'` : `no table '${table}'`,
    { table, rev },
    "run 'lakegit status' to list tracked tables",
  );
export const badInput = (message: string, data: Record<string, unknown> = {}, hint?: string) => err('BadInput', 2, message, data, hint);
export const refused = (message: string, data: Record<string, unknown> = {}, hint?: string) => err('Refused', 1, message, data, hint);
export const notARepository = (dir: string) =>
  err('NotARepository', 2, `not a lakegit repository: ${dir}`, { dir }, "run 'lakegit init' first");
export const corrupt = (message: string, data: Record<string, unknown> = {}) => err('Corrupt', 3, message, data);
export const lockBusy = (path: string) =>
  err('LockBusy', 1, `another lakegit process holds the repository lock (${path})`, { path }, 'wait for it to finish and try again');
