/**
 * The pure part of a run: given what the source has now and what the journal says was
 * done, which messages to copy and which flags to fix. No I/O, so it is tested as tables.
 */
import type { JournalRow } from './journal.js';
import type { FolderListing, SourceMessage } from './types.js';

export interface FlagUpdate {
  key: string;
  uid: number;
  flags: string[];
}

export interface FolderPlan {
  copy: SourceMessage[];
  flagUpdates: FlagUpdate[];
  /** Already in the target with the same validity. */
  known: number;
  /** Hash → target UIDs whose source identity was lost (UIDVALIDITY changed): adopt, don't copy. */
  rekeyPool: Map<string, number[]>;
  /** Journal rows whose source message is gone (deleted at the source; we never delete). */
  goneFromSource: number;
}

export function flagString(flags: readonly string[]): string {
  return [...flags].sort().join(' ');
}

/**
 * `rows`: the journal's rows for the folder — for a partial listing only those of the listed
 * keys will do, with `journaled` the count of all rows of the listing's validity.
 */
export function planFolder(
  listing: FolderListing,
  rows: readonly (JournalRow & { validity: string })[],
  journaled?: number,
): FolderPlan {
  const current = new Map<string, JournalRow>();
  const rekeyPool = new Map<string, number[]>();
  for (const r of rows) {
    if (r.validity === listing.validity) current.set(r.key, r);
    else addToPool(rekeyPool, r.sha256, r.target_uid);
  }
  const plan: FolderPlan = { copy: [], flagUpdates: [], known: 0, rekeyPool, goneFromSource: 0 };
  const seen = new Set<string>();
  for (const m of listing.messages) {
    seen.add(m.key);
    const row = current.get(m.key);
    if (!row) {
      plan.copy.push(m);
      continue;
    }
    plan.known++;
    if (row.flags !== flagString(m.flags))
      plan.flagUpdates.push({ key: m.key, uid: row.target_uid, flags: m.flags });
  }
  if (listing.partial) {
    // only changes were listed: what is gone shows in the message count alone
    const fresh = plan.copy.length;
    const held = journaled ?? current.size;
    plan.known = held;
    plan.goneFromSource = Math.max(0, held + fresh - (listing.state?.messages ?? held + fresh));
    plan.known -= plan.goneFromSource;
    return plan;
  }
  for (const k of current.keys()) if (!seen.has(k)) plan.goneFromSource++;
  return plan;
}

export function addToPool(pool: Map<string, number[]>, sha: string, uid: number): void {
  const list = pool.get(sha);
  if (list) list.push(uid);
  else pool.set(sha, [uid]);
}

/** Takes one target UID with this hash out of the pool (lowest first), if any. */
export function takeFromPool(pool: Map<string, number[]>, sha: string): number | undefined {
  const list = pool.get(sha);
  if (!list?.length) return undefined;
  list.sort((a, b) => a - b);
  const uid = list.shift();
  if (!list.length) pool.delete(sha);
  return uid;
}
