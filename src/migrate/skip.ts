/**
 * What lets a re-run skip work: a folder whose source summary (IMAP STATUS) equals the one
 * recorded after its last clean copy is not listed, and a user whose every folder is
 * unchanged and whose folder layout (source folders, --folder-map, target kind) is the one
 * recorded after the last clean run is not looked at on the target side at all — no store
 * opened, no login, no folder listing. The journal vouches for the target; a target folder
 * deleted or recreated behind our back is found by the next run in which its source
 * changed, or by --verify (which always lists everything).
 */
import { createHash } from 'node:crypto';
import type { CopyOptions, FolderReport } from './copy.js';
import type { FolderListing, FolderStatus, Source, SourceFolder, Target } from './types.js';

/**
 * `unchanged`: skipped by its summary, nothing listed. `deferred`: listed for the totals,
 * entries dropped, listed again right before the folder is copied (large users).
 */
export type Listed = FolderListing & { unchanged?: boolean; deferred?: boolean };

function sameState(a: FolderStatus, b: FolderStatus): boolean {
  return (
    a.validity === b.validity &&
    a.uidNext === b.uidNext &&
    a.messages === b.messages &&
    a.highestModseq === b.highestModseq
  );
}

/** The listing, or an empty "unchanged" one when STATUS equals the state of the last clean copy. */
export async function listOrSkip(
  source: Source,
  f: SourceFolder,
  now: FolderStatus | undefined,
  opts: CopyOptions,
): Promise<Listed> {
  const prev = f.selectable ? opts.journal.folder(opts.scope, f.raw) : undefined;
  const last = prev?.src_state ? (JSON.parse(prev.src_state) as FolderStatus) : undefined;
  if (!last || !now) return source.list(f);
  if (now.highestModseq && sameState(now, last))
    return { validity: now.validity, messages: [], problems: [], partial: true, state: now, unchanged: true };
  return source.list(f, { since: last });
}

/**
 * An unchanged folder whose target folder still exists under the name the journal knows,
 * with no append left unconfirmed: counted from the journal, not copied. The target is not
 * read (see the module comment).
 */
export function stillThere(
  f: SourceFolder,
  targetName: string,
  listing: FolderListing,
  report: FolderReport,
  opts: CopyOptions,
): boolean {
  const jf = opts.journal.folder(opts.scope, f.raw);
  if (!jf || jf.target_folder !== targetName || jf.pending_from != null) return false;
  const c = opts.journal.counts(opts.scope, f.raw, listing.validity);
  report.sourceMessages = listing.state?.messages ?? c.messages;
  report.sourceBytes = c.bytes;
  report.goneFromSource = Math.max(0, c.messages - report.sourceMessages);
  report.known = c.messages - report.goneFromSource;
  return true;
}

/** A fingerprint of everything the folder mapping depends on, apart from the target's own folders. */
export function layoutOf(folders: readonly SourceFolder[], opts: CopyOptions, target: Target): string {
  const src = [...folders]
    .map((f) => [f.raw, f.path, f.specialUse ?? '', f.subscribed, f.selectable])
    .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  const map = [...opts.folderMap.entries()].sort();
  return createHash('sha256')
    .update(JSON.stringify([target.kind, target.delimiter, src, map]))
    .digest('hex');
}
