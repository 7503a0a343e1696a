/**
 * Compact listing entries. A migration lists every message of a user before copying
 * (totals for the ETA, a plan before any write). As plain objects with a Date and an own
 * flags array that was ~350 bytes per message — ~70 MB of heap for a 200,000-message
 * mailbox, and RSS past the 150 MB budget. Here flag sets are shared (a mailbox has a few
 * dozen distinct ones) and the internal date is a number, made a Date only when read;
 * an IMAP UID and a whole-second date are kept as small integers. 109,000 entries with the
 * array holding them: ~65 bytes each (~105 with a string key and a millisecond double).
 */
import type { SourceMessage } from './types.js';

const MAX_SHARED_SETS = 10_000;
const flagSets = new Map<string, string[]>();

/** The one frozen array for this (normalised, sorted) flag set. */
export function sharedFlags(flags: string[]): string[] {
  const key = flags.join(' ');
  const known = flagSets.get(key);
  if (known) return known;
  if (flagSets.size >= MAX_SHARED_SETS) return flags;
  Object.freeze(flags);
  flagSets.set(key, flags);
  return flags;
}

/** Seconds since 2000-01-01: an IMAP date (whole seconds) from 1966 to 2034 then fits a small integer, stored without a heap number. */
const EPOCH_2000_S = 946_684_800;
const SMALL = 2 ** 30;

class ListedMessage implements SourceMessage {
  // declared, not initialised: only survey and mbox listings set them, so most entries
  // carry no slot for them
  declare messageId?: string | null;
  declare sha256?: string;
  /** The key; an IMAP UID is kept as a small integer (a string each would be ~20 bytes more). */
  private readonly k: string | number;
  /** Whole seconds since 2000 when that fits a small integer, else milliseconds as a string-free double in `ms`. */
  private readonly t: number;
  declare private readonly ms?: number;
  constructor(
    key: string,
    readonly size: number,
    readonly flags: string[],
    ms: number,
  ) {
    const n = Number(key);
    this.k = n > 0 && n < SMALL && String(n) === key ? n : key;
    const s = ms / 1000 - EPOCH_2000_S;
    if (Number.isInteger(s) && s > -SMALL && s < SMALL) this.t = s;
    else {
      this.t = SMALL;
      this.ms = ms;
    }
  }
  get key(): string {
    return String(this.k);
  }
  get internalDate(): Date {
    return new Date(this.t === SMALL ? (this.ms as number) : (this.t + EPOCH_2000_S) * 1000);
  }
}

export function listedMessage(key: string, size: number, flags: string[], internalDate: Date): SourceMessage {
  return new ListedMessage(key, size, sharedFlags(flags), internalDate.getTime());
}
