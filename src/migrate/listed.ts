/**
 * Compact listing entries. A migration lists every message of a user before copying
 * (totals for the ETA, a plan before any write). As plain objects with a Date and an own
 * flags array that was ~350 bytes per message — ~70 MB of heap for a 200,000-message
 * mailbox, and RSS past the 150 MB budget. Here flag sets are shared (a mailbox has a few
 * dozen distinct ones) and the internal date is a number, made a Date only when read.
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

class ListedMessage implements SourceMessage {
  // declared, not initialised: only survey and mbox listings set them, so most entries
  // carry no slot for them
  declare messageId?: string | null;
  declare sha256?: string;
  constructor(
    readonly key: string,
    readonly size: number,
    readonly flags: string[],
    private readonly ms: number,
  ) {}
  get internalDate(): Date {
    return new Date(this.ms);
  }
}

export function listedMessage(key: string, size: number, flags: string[], internalDate: Date): SourceMessage {
  return new ListedMessage(key, size, sharedFlags(flags), internalDate.getTime());
}
