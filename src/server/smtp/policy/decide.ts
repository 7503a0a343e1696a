/**
 * The one pure function that turns a stage's trail of verdicts into the answer. Kept apart
 * from the pipeline so it can be tested as a table and reasoned about in isolation.
 */
import { Replies, type Reply } from '../../../proto/smtp-reply.js';
import type { Stage, Verdict } from './verdict.js';

export interface Decision {
  outcome: 'accept' | 'defer' | 'reject';
  /** Set for defer/reject. */
  reply?: Reply;
  detail?: string;
  /** The verdict that decided (for the log line's reason). */
  reason: string;
  /** File in Junk (data stage). */
  junk: boolean;
  trail: readonly Verdict[];
}

/**
 * Rules, in order:
 * 1. the first reject or defer wins (the pipeline stops there anyway);
 * 2. rcpt is default-deny: without an `accept` the recipient is refused as a relay attempt;
 * 3. every other stage is default-allow;
 * 4. any `junk` verdict marks the message for the Junk folder.
 */
export function decide(stage: Stage, trail: readonly Verdict[]): Decision {
  const junk = trail.some((v) => v.action === 'junk');
  const stop = trail.find((v) => v.action === 'reject' || v.action === 'defer');
  if (stop && (stop.action === 'reject' || stop.action === 'defer')) {
    const fallback = stop.action === 'reject' ? Replies.relayDenied : Replies.localError;
    return {
      outcome: stop.action,
      reply: stop.reply ?? fallback,
      detail: stop.detail,
      reason: stop.reason,
      junk,
      trail,
    };
  }
  const accepted = trail.find((v) => v.action === 'accept');
  if (stage === 'rcpt' && !accepted) {
    return { outcome: 'reject', reply: Replies.relayDenied, reason: 'relay-denied', junk, trail };
  }
  const junkVerdict = trail.find((v) => v.action === 'junk');
  return {
    outcome: 'accept',
    reason: junkVerdict?.reason ?? accepted?.reason ?? 'default-allow',
    junk,
    trail,
  };
}
