/** The CAPABILITY list for a session's current state (RFC 3501 7.2.1 and the extensions we implement). */
import type { ImapSession } from './session.js';

const EXTENSIONS = [
  'LITERAL+',
  'SASL-IR',
  'ID',
  'ENABLE',
  'IDLE',
  'NAMESPACE',
  'UIDPLUS',
  'MOVE',
  'UNSELECT',
  'CHILDREN',
  'SPECIAL-USE',
  'QUOTA',
  'CONDSTORE',
];

export function capabilities(s: ImapSession): string {
  const caps = ['IMAP4rev1', ...EXTENSIONS];
  caps.push(`APPENDLIMIT=${s.ctx.config.imap.max_literal}`);
  if (s.state === 'not-authenticated') {
    if (!s.secure) caps.push('STARTTLS');
    if (s.secure || s.ctx.config.imap.allow_plaintext_login) caps.push('AUTH=PLAIN', 'AUTH=LOGIN');
    else caps.push('LOGINDISABLED');
  }
  return caps.join(' ');
}

/** Whether a password may be sent now (TLS, or explicitly allowed in the config). */
export function plaintextAllowed(s: ImapSession): boolean {
  return s.secure || s.ctx.config.imap.allow_plaintext_login;
}
