/**
 * SMTP replies as named constants: basic code (RFC 5321 §4.2) plus enhanced status code
 * (RFC 3463, registry in RFC 5248). Sessions never write a numeric code inline; they pick
 * one of these so the same name shows up in code, logs and tests.
 */

export interface Reply {
  code: number;
  /** Enhanced status code "class.subject.detail", e.g. "5.1.1". */
  enhanced: string;
  text: string;
}

const r = (code: number, enhanced: string, text: string): Reply => ({ code, enhanced, text });

export const Replies = {
  // 2xx
  ok: r(250, '2.0.0', 'OK'),
  senderOk: r(250, '2.1.0', 'sender OK'),
  recipientOk: r(250, '2.1.5', 'recipient OK'),
  /** RFC 3463 2.6.0: message accepted (the queue/store id is appended). */
  accepted: r(250, '2.6.0', 'message accepted'),
  authOk: r(235, '2.7.0', 'authentication successful'),
  // 4xx (try again later)
  shuttingDown: r(421, '4.3.2', 'service shutting down, try again later'),
  /** Fail closed: a check threw or timed out, the store or queue failed. */
  localError: r(451, '4.3.0', 'temporary local problem, try again later'),
  mailboxFullTemp: r(452, '4.2.2', 'mailbox full'),
  tooManyRecipients: r(452, '4.5.3', 'too many recipients'),
  tempAuthFailure: r(454, '4.7.0', 'temporary authentication failure'),
  // 5xx (permanent)
  badSenderSyntax: r(553, '5.1.7', 'bad sender address syntax'),
  badRecipientSyntax: r(553, '5.1.3', 'bad recipient address syntax'),
  unknownUser: r(550, '5.1.1', 'no such user here'),
  mailboxDisabled: r(550, '5.2.1', 'mailbox disabled'),
  mailboxFullPerm: r(552, '5.2.2', 'mailbox full'),
  messageTooBig: r(552, '5.3.4', 'message too big'),
  /** RFC 3463 5.7.1: delivery not authorized; the relay-denied reply. */
  relayDenied: r(554, '5.7.1', 'relay access denied'),
  relayTrick: r(554, '5.7.1', 'relay access denied (address routing is not accepted)'),
  senderNotOwned: r(553, '5.7.1', 'sender address not owned by the authenticated user'),
  headerFromNotOwned: r(550, '5.7.1', 'From header address not owned by the authenticated user'),
  authRequired: r(530, '5.7.0', 'authentication required'),
  encryptionRequired: r(538, '5.7.11', 'encryption required for requested authentication mechanism'),
  authFailed: r(535, '5.7.8', 'authentication credentials invalid'),
  dmarcReject: r(550, '5.7.1', 'rejected by the sender domain DMARC policy'),
  heloImpersonation: r(550, '5.7.1', 'you are not me'),
  noValidRecipients: r(554, '5.5.1', 'no valid recipients'),
} as const satisfies Record<string, Reply>;

export type ReplyName = keyof typeof Replies;

/** The text smtp-server sends after the basic code: "5.1.1 no such user here (SESSIONID)". */
export function replyText(reply: Reply, sessionId?: string, detail?: string): string {
  const text = detail ? `${reply.text}: ${detail}` : reply.text;
  const suffix = sessionId && reply.code >= 400 ? ` (${sessionId})` : '';
  return `${reply.enhanced} ${text}${suffix}`;
}

/** An Error smtp-server turns into a reply (it reads responseCode and message). */
export class SmtpReplyError extends Error {
  readonly responseCode: number;
  constructor(
    readonly reply: Reply,
    sessionId?: string,
    detail?: string,
  ) {
    super(replyText(reply, sessionId, detail));
    this.responseCode = reply.code;
  }
}

/** True when the text already starts with an enhanced status code. */
export function hasEnhancedCode(text: string): boolean {
  return /^[245]\.\d{1,3}\.\d{1,3}(\s|$)/.test(text);
}
