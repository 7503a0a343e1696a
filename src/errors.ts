/**
 * Typed errors. Library code throws these; `cli.ts` is the one place that turns them into
 * an exit code, and the protocol sessions are the one place that turns them into replies.
 */

export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  config: 3,
  unreachable: 4,
  verifyFailed: 5,
  bug: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'usage'
  | 'config'
  | 'invalid-input'
  | 'not-found'
  | 'exists'
  | 'auth-failed'
  | 'unreachable'
  | 'storage'
  | 'quota'
  | 'too-large'
  | 'verify-failed'
  | 'bug';

const exitFor: Record<ErrorCode, ExitCode> = {
  usage: ExitCode.usage,
  config: ExitCode.config,
  'invalid-input': ExitCode.usage,
  'not-found': ExitCode.usage,
  exists: ExitCode.usage,
  'auth-failed': ExitCode.usage,
  unreachable: ExitCode.unreachable,
  storage: ExitCode.config,
  quota: ExitCode.usage,
  'too-large': ExitCode.usage,
  'verify-failed': ExitCode.verifyFailed,
  bug: ExitCode.bug,
};

export interface ErrorDetails {
  /** Where it happened: file:line, host:port, user, folder. */
  where?: string;
  /** What the operator can do next. */
  hint?: string;
  cause?: unknown;
}

export class MailctlError extends Error {
  readonly code: ErrorCode;
  readonly where?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MailctlError';
    this.code = code;
    this.where = details.where;
    this.hint = details.hint;
  }

  get exitCode(): ExitCode {
    return exitFor[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; where?: string; hint?: string } {
    return { code: this.code, message: this.message, where: this.where, hint: this.hint };
  }
}

/** A condition that means our code is wrong, not the input. */
export class BugError extends MailctlError {
  constructor(message: string, cause?: unknown) {
    super('bug', message, { cause, hint: 'this is a bug in mailctl; please report it with the log lines' });
    this.name = 'BugError';
  }
}

/** Several problems found at once (config check, CSV import) — reported together. */
export class ProblemsError extends MailctlError {
  readonly problems: Problem[];
  constructor(code: ErrorCode, message: string, problems: Problem[]) {
    super(code, message);
    this.problems = problems;
  }
  override toJSON() {
    return { ...super.toJSON(), problems: this.problems };
  }
}

export interface Problem {
  where: string;
  path?: string;
  message: string;
  hint?: string;
}

export function isMailctlError(e: unknown): e is MailctlError {
  return e instanceof MailctlError;
}

/** Node's system errors carry a code such as ECONNREFUSED; this reads it without `any`. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
