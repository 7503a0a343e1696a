/**
 * What one policy check says about one step of an SMTP session. Verdicts are data: the
 * reason name goes to the log line, the Authentication-Results/X-Mailctl headers and the
 * metrics under the same name, and `decide()` computes the reply from the whole trail.
 */
import type { Reply } from '../../../proto/smtp-reply.js';

export const stages = ['connect', 'helo', 'auth', 'mail', 'rcpt', 'data'] as const;
export type Stage = (typeof stages)[number];

/**
 * - `pass`: no opinion, go on.
 * - `accept`: this check vouches for the step (a local recipient, an authenticated relay);
 *   later checks still run and may reject.
 * - `junk`: accept, but file the message in Junk (data stage).
 * - `defer`: 4xx, try later. `reject`: 5xx. Both stop the stage.
 */
export type VerdictAction = 'pass' | 'accept' | 'junk' | 'defer' | 'reject';

export interface Verdict {
  action: VerdictAction;
  /** Stable, kebab-case reason ("unknown-user", "relay-denied", "dmarc-reject"). */
  reason: string;
  /** Name of the check that gave it (filled in by the pipeline). */
  check?: string;
  /** Reply for defer/reject; decide() falls back to a generic one. */
  reply?: Reply;
  /** Extra words for the reply and log (never secrets). */
  detail?: string;
}

export const pass = (reason = 'no-opinion'): Verdict => ({ action: 'pass', reason });
export const accept = (reason: string): Verdict => ({ action: 'accept', reason });
export const junk = (reason: string, detail?: string): Verdict => ({ action: 'junk', reason, detail });
export const defer = (reason: string, reply: Reply, detail?: string): Verdict => ({
  action: 'defer',
  reason,
  reply,
  detail,
});
export const reject = (reason: string, reply: Reply, detail?: string): Verdict => ({
  action: 'reject',
  reason,
  reply,
  detail,
});
