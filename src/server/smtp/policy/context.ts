/**
 * What checks may read and write. Checks share state only through these typed fields —
 * no untyped notes bag — so a later check (DNSBL, rate limit, spamd) says in the type what
 * it needs and what it adds.
 */
import type { Account } from '../../../directory/directory.js';
import type { AddressProblem, EnvelopeAddress, ParsedAddress } from '../../../proto/smtp-address.js';
import type { DaemonContext } from '../../service.js';
import type { SpooledMessage } from '../spool.js';

export type SmtpListener = 'smtp' | 'submission' | 'submissions';

export interface SessionInfo {
  id: string;
  listener: SmtpListener;
  /** Client address (from the PROXY header when the listener expects one). */
  remoteAddress: string;
  remotePort: number;
  helo?: string;
  secure: boolean;
  tls?: { protocol: string; cipher: string };
  /** The authenticated account, if any. */
  user?: Account;
}

/** Where an accepted recipient's copies go. */
export interface Resolution {
  /** Local account addresses (canonical) that get a copy. */
  local: string[];
  /** Addresses handed to the outbound queue. */
  remote: string[];
  /** How the recipient resolved, for logs. */
  kind: 'account' | 'alias' | 'catch-all' | 'relay';
}

export interface RcptStep {
  /** As the client wrote it. */
  raw: string;
  parsed: ParsedAddress;
  /** Set by the check that accepts the recipient. */
  resolution?: Resolution;
}

export interface MessageInfo {
  spool: SpooledMessage;
  /** Raw header block (up to the blank line, bounded), for header checks. */
  headers: string;
}

/** Results of the inbound sender-authentication check, used for headers and folder choice. */
export interface SenderAuthResult {
  /** "Authentication-Results: …\r\n" (and Received-SPF, ARC seals) to prepend. */
  headers: string;
  spf?: string;
  dkim?: string;
  dmarc?: string;
  dmarcPolicy?: string;
  arc?: string;
}

export interface PolicyContext {
  readonly daemon: DaemonContext;
  readonly session: SessionInfo;
  /** auth stage: the user name being tried. */
  authUser?: string;
  /** mail stage onwards: the envelope sender ("" = null sender). */
  sender?: { raw: string; parsed?: EnvelopeAddress; problem?: AddressProblem };
  /** rcpt stage: the recipient being decided. */
  rcpt?: RcptStep;
  /** Recipients accepted so far in this transaction. */
  recipients: RcptStep[];
  /** data stage. */
  message?: MessageInfo;
  senderAuth?: SenderAuthResult;
}
