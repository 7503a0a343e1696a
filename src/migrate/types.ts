/**
 * The shapes migration works with. A Source lists folders and message metadata and streams
 * bodies; a Target creates folders, appends and scans. Everything else (plan, copy,
 * verify, journal) is written against these two, so IMAP/Maildir/mbox × store/IMAP
 * combine freely.
 */

export interface SourceFolder {
  /** Hierarchy segments in UTF-8, e.g. ["プロジェクト", "2024年度"]; INBOX is ["INBOX"]. */
  path: string[];
  /** As the source names it (IMAP path, Maildir directory, mbox file), for messages to the operator. */
  raw: string;
  specialUse?: string;
  subscribed: boolean;
  /** False for a \Noselect parent. */
  selectable: boolean;
  /** Why the name could not be decoded, if it could not (survey lists these). */
  nameProblem?: string;
}

export interface SourceMessage {
  /** Identity inside the folder: IMAP UID, Maildir base name, mbox content hash + occurrence. */
  key: string;
  /** Bytes as the source reports them (IMAP RFC822.SIZE, file size). */
  size: number;
  /** System flags and keywords in IMAP form; never \Recent. */
  flags: string[];
  internalDate: Date;
  /** Present when the listing was asked for it (survey). null = the message has none. */
  messageId?: string | null;
  /** sha256 of the CRLF-normalised bytes when the source computes it while listing (mbox). */
  sha256?: string;
}

export interface FolderListing {
  /** Changes when keys stop being comparable (IMAP UIDVALIDITY). */
  validity: string;
  /**
   * Only what changed since the state given to list() (CONDSTORE): new messages in full,
   * older ones whose flags changed with key and flags only. Absent: everything is listed.
   */
  partial?: boolean;
  /** The folder's state when listed, recorded after a clean copy to skip it next time. */
  state?: FolderStatus;
  messages: SourceMessage[];
  /** Non-fatal trouble found while listing (broken mbox From lines, unreadable files), with file:line. */
  problems: string[];
}

/** A cheap summary of a folder (IMAP STATUS): equal summaries mean nothing changed. */
export interface FolderStatus {
  validity: string;
  uidNext: number;
  messages: number;
  /** CONDSTORE HIGHESTMODSEQ; without it flag changes cannot be seen cheaply. */
  highestModseq?: string;
}

export interface FetchedMessage {
  key: string;
  /** Raw bytes as stored (any line ends); hashing and storing normalise them. */
  body: Buffer;
}

export interface Source {
  readonly kind: 'imap' | 'maildir' | 'mbox';
  /** Source user name, for reports and the journal. */
  readonly user: string;
  /** For the survey: the IMAP server's capabilities; empty for files. */
  capabilities(): string[];
  folders(): Promise<SourceFolder[]>;
  list(folder: SourceFolder, opts?: { messageIds?: boolean; since?: FolderStatus }): Promise<FolderListing>;
  /** The folder's summary, when the source has a cheap one (IMAP STATUS). */
  status?(folder: SourceFolder): Promise<FolderStatus | undefined>;
  /**
   * Bodies of the given listed messages, in that order (one may be missing: gone meanwhile),
   * in batches; never issues commands while a FETCH is running.
   */
  fetch(folder: SourceFolder, messages: readonly SourceMessage[]): AsyncIterable<FetchedMessage>;
  close(): Promise<void>;
}

export interface TargetMessage {
  uid: number;
  size: number;
  flags: string[];
  internalDate: Date;
  sha256?: string;
}

export interface AppendItem {
  body: Buffer;
  flags: readonly string[];
  internalDate: Date;
}

/** `sha256`: the content hash of what was stored, when the target computed it (saves the caller's). */
export type AppendResult = { uid: number; sha256?: string } | { error: unknown };

export interface TargetFolderState {
  uidValidity: number;
  uidNext: number;
}

export interface Target {
  readonly kind: 'store' | 'imap';
  readonly user: string;
  /** The target's hierarchy separator ("." for the store). */
  readonly delimiter: string;
  /** Existing folders with their special-use attribute, for mapping. */
  folders(): Promise<{ name: string; specialUse?: string }[]>;
  ensureFolder(name: string, opts: { specialUse?: string; subscribed: boolean }): Promise<void>;
  state(folder: string): Promise<TargetFolderState>;
  append(
    folder: string,
    body: Buffer,
    flags: readonly string[],
    internalDate: Date,
  ): Promise<{ uid: number }>;
  /**
   * Several messages at once (pipelined/MULTIAPPEND where the target can); one result per
   * message, in order: its UID, or the per-message error that refused it. Resolves only
   * when every message is stored.
   */
  appendBatch?(folder: string, msgs: readonly AppendItem[]): Promise<AppendResult[]>;
  setFlags(folder: string, uid: number, flags: readonly string[]): Promise<void>;
  setFlagsMany?(folder: string, updates: readonly { uid: number; flags: readonly string[] }[]): Promise<void>;
  /** Messages with UID ≥ fromUid (all when omitted); bodies hashed when asked (only `hashUids` if given). */
  scan(
    folder: string,
    opts?: { fromUid?: number; hash?: boolean; hashUids?: ReadonlySet<number> },
  ): Promise<TargetMessage[]>;
  close(): Promise<void>;
}
