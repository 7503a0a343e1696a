/**
 * Message-by-message verification: every source message must be in the target exactly
 * once with the same content hash, flags and INTERNALDATE (to the second); anything else
 * in the target folder is "extra" (or "duplicated" when it repeats a migrated message).
 */
import type { JournalRow } from './journal.js';
import { flagString } from './plan.js';
import type { SourceMessage, TargetMessage } from './types.js';

export interface FolderVerification {
  targetMessages: number;
  targetBytes: number;
  missing: string[];
  extra: number;
  duplicated: number;
  contentMismatch: string[];
  flagMismatch: string[];
  dateMismatch: string[];
}

export function isClean(v: FolderVerification): boolean {
  return (
    v.missing.length === 0 &&
    v.extra === 0 &&
    v.duplicated === 0 &&
    v.contentMismatch.length === 0 &&
    v.flagMismatch.length === 0 &&
    v.dateMismatch.length === 0
  );
}

/** Pure comparison of the source listing, the journal rows (current validity) and a hashed target scan. */
export function compareFolder(
  source: readonly SourceMessage[],
  rows: readonly JournalRow[],
  target: readonly TargetMessage[],
): FolderVerification {
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const byUid = new Map(target.map((t) => [t.uid, t]));
  const v: FolderVerification = {
    targetMessages: target.length,
    targetBytes: target.reduce((a, t) => a + t.size, 0),
    missing: [],
    extra: 0,
    duplicated: 0,
    contentMismatch: [],
    flagMismatch: [],
    dateMismatch: [],
  };
  const claimed = new Set<number>();
  const migratedHashes = new Set<string>();
  for (const m of source) {
    const row = byKey.get(m.key);
    const t = row ? byUid.get(row.target_uid) : undefined;
    if (!row || !t || claimed.has(t.uid)) {
      v.missing.push(m.key);
      continue;
    }
    claimed.add(t.uid);
    migratedHashes.add(row.sha256);
    if (m.sha256 && m.sha256 !== row.sha256)
      v.contentMismatch.push(`${m.key}: source changed since it was copied`);
    if (t.sha256 && t.sha256 !== row.sha256)
      v.contentMismatch.push(`${m.key} → uid ${t.uid}: content differs`);
    if (flagString(t.flags) !== flagString(m.flags)) {
      v.flagMismatch.push(
        `${m.key} → uid ${t.uid}: source [${m.flags.join(' ')}] target [${t.flags.join(' ')}]`,
      );
    }
    if (Math.floor(t.internalDate.getTime() / 1000) !== Math.floor(m.internalDate.getTime() / 1000)) {
      v.dateMismatch.push(
        `${m.key} → uid ${t.uid}: source ${m.internalDate.toISOString()} target ${t.internalDate.toISOString()}`,
      );
    }
  }
  for (const t of target) {
    if (claimed.has(t.uid)) continue;
    if (t.sha256 && migratedHashes.has(t.sha256)) v.duplicated++;
    else v.extra++;
  }
  return v;
}
