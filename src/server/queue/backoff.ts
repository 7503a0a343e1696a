/**
 * Pure retry arithmetic for the queue runner: when to try again, when to warn, when to
 * give up. Times are milliseconds since the epoch; durations milliseconds.
 */

export interface RetryPolicy {
  /** First retry delay; doubles with each attempt. */
  base: number;
  /** Longest delay between attempts. */
  max: number;
  /** Give up (bounce) when the message is this old. */
  lifetime: number;
  /** Send one delay notice once the message is this old; 0 disables. */
  delayWarning: number;
}

/** Delay before attempt number `attempts + 1`, after `attempts` failed ones (1 → base). */
export function retryDelay(attempts: number, p: Pick<RetryPolicy, 'base' | 'max'>): number {
  const n = Math.max(1, attempts);
  // 2^(n-1) overflows to Infinity for huge n; min() keeps that harmless.
  return Math.min(p.base * 2 ** (n - 1), p.max);
}

/**
 * The next attempt time after a temporary failure, or undefined when the lifetime is over
 * (then the deferred recipients bounce now). The last retry is pulled in to the expiry
 * moment so the bounce goes out on time, not up to `max` later.
 */
export function nextAttempt(
  now: number,
  created: number,
  attempts: number,
  p: RetryPolicy,
): number | undefined {
  const expires = created + p.lifetime;
  if (now >= expires) return undefined;
  return Math.min(now + retryDelay(attempts, p), expires);
}

/** Whether a delay notice is due now (only once per message, never for bounces). */
export function delayWarningDue(
  now: number,
  created: number,
  warned: boolean,
  sender: string,
  p: Pick<RetryPolicy, 'delayWarning' | 'lifetime'>,
): boolean {
  if (warned || sender === '' || p.delayWarning <= 0 || p.delayWarning >= p.lifetime) return false;
  return now - created >= p.delayWarning;
}
