/** Shared shapes of the IMAP server: states, tagged results, command handlers. */
import type { RawCommand } from '../../proto/imap/tokens.js';
import type { ImapSession } from './session.js';

/** RFC 3501 3: the connection states. */
export type ImapState = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export interface Tagged {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code without brackets, e.g. "READ-WRITE", "APPENDUID 1 5". */
  code?: string;
  text: string;
}

export interface CommandHandler {
  readonly name: string;
  /** States in which the command is valid (RFC 3501 6.x headings). */
  readonly states: readonly ImapState[];
  /** For UID variants: whether "UID <name>" is valid. */
  readonly uid?: boolean;
  run(s: ImapSession, c: RawCommand): Promise<Tagged>;
}

export const ANY: readonly ImapState[] = ['not-authenticated', 'authenticated', 'selected'];
export const NOT_AUTH: readonly ImapState[] = ['not-authenticated'];
export const AUTH: readonly ImapState[] = ['authenticated', 'selected'];
export const SELECTED: readonly ImapState[] = ['selected'];

export const ok = (text = 'done', code?: string): Tagged => ({ status: 'OK', text, code });
export const no = (text: string, code?: string): Tagged => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string): Tagged => ({ status: 'BAD', text, code });
