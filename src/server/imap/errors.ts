/**
 * The one place where errors become IMAP replies: parse errors are BAD, store and
 * directory errors are NO with an RFC 5530 response code, anything else is a logged
 * server bug answered with NO [SERVERBUG] and the session id.
 */

import { MailctlError } from '../../errors.js';
import { BadCharsetError, SEARCH_CHARSETS } from '../../proto/imap/search.js';
import { ImapParseError } from '../../proto/imap/tokens.js';
import { BadMailboxName } from './names.js';
import type { ImapSession } from './session.js';
import type { Tagged } from './types.js';

const CODES: Partial<Record<string, string>> = {
  'not-found': 'NONEXISTENT',
  exists: 'ALREADYEXISTS',
  quota: 'OVERQUOTA',
  'too-large': 'TOOBIG',
  'invalid-input': 'CANNOT',
  'auth-failed': 'AUTHENTICATIONFAILED',
};

export function toTagged(e: unknown, s: ImapSession): Tagged {
  if (e instanceof ImapParseError) return { status: 'BAD', text: e.message };
  if (e instanceof BadCharsetError)
    return { status: 'NO', code: `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`, text: e.message };
  if (e instanceof BadMailboxName) return { status: 'NO', code: 'CANNOT', text: e.message };
  if (e instanceof MailctlError && e.code !== 'bug' && e.code !== 'storage') {
    return { status: 'NO', code: CODES[e.code], text: oneLine(e.message) };
  }
  s.log.error(
    { session: s.id, user: s.user, err: (e as Error)?.message, stack: (e as Error)?.stack },
    'imap command failed',
  );
  return { status: 'NO', code: 'SERVERBUG', text: `internal error, logged as session ${s.id}` };
}

function oneLine(v: string): string {
  return v
    .replace(/[\r\n]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 300);
}
