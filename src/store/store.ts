/**
 * The one mailbox store. SMTP delivery, IMAP, POP3 and migration all go through it, so
 * quota, the archive copy (later) and change notification happen in one place.
 *
 * Folder names here are IMAP names in UTF-8 with "." as the hierarchy separator
 * ("INBOX", "Sent", "Projects.2024", "受信トレイ.重要"). Only store/ knows how they map to
 * Maildir++ directories (modified UTF-7, "." prefix).
 */
import type { Readable } from 'node:stream';

export interface MailboxRef {
  /** Canonical account address (lower-case), e.g. "alice@example.com". */
  user: string;
  /** IMAP folder name, "INBOX" for the inbox. */
  folder: string;
}

/** Where a message entered; tagged on every delivery for logs, archive and metrics. */
export type DeliverySource = 'smtp' | 'submission' | 'imap-append' | 'migrate' | 'local';

export interface DeliverOptions {
  source: DeliverySource;
  /** System flags (\\Seen …) and keywords to set on the stored message. */
  flags?: readonly string[];
  /** IMAP INTERNALDATE; default now. */
  internalDate?: Date;
  /** Text prepended to the message (Return-Path, Received …), already CRLF-terminated. */
  prepend?: string;
  /** Skip the quota check (migration may choose to report instead of refusing). */
  ignoreQuota?: boolean;
  /** Upper bound for the body size in bytes; larger bodies fail with code 'too-large' and leave nothing behind. */
  maxSize?: number;
  /**
   * The caller does not need the UID (SMTP delivery): deliver() resolves once the message
   * is durable (file and directory fsynced) and the UID is assigned shortly after, many
   * deliveries per dovecot-uidlist lock; Delivered.uid is then 0. Readers see the message
   * either way (an unnumbered file is numbered by the next refresh). A caller that wants
   * the UIDs of several such deliveries at once asks uidsOf() afterwards (one lock for all).
   */
  uidLater?: boolean;
  /** Hash the stored bytes on the writer thread (Delivered.sha256); the migration journal's content identity. */
  contentHash?: boolean;
}

export interface Delivered {
  ref: MailboxRef;
  uid: number;
  uidValidity: number;
  size: number;
  /** Maildir base file name (unique id), for logs and the migration journal. */
  id: string;
  /**
   * sha256 (hex) of the stored file's bytes, when DeliverOptions.contentHash asked and the
   * body went through the writer thread (in memory, ≤ 8 MB); otherwise absent.
   */
  sha256?: string;
}

export interface FolderInfo {
  name: string;
  /** \\Sent, \\Drafts, \\Trash, \\Junk, \\Archive where applicable. */
  specialUse?: string;
  subscribed: boolean;
  hasChildren: boolean;
  /** \\Noselect for a parent that exists only by implication. */
  selectable: boolean;
}

export interface MessageMeta {
  uid: number;
  /** Maildir base name (without :2,flags). */
  id: string;
  size: number;
  internalDate: Date;
  /** System flags (\\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft) and keywords. */
  flags: string[];
  /** CONDSTORE mod-sequence of the last change to this message. */
  modseq: number;
}

export interface MailboxStatus {
  uidValidity: number;
  uidNext: number;
  messages: number;
  unseen: number;
  recent: number;
  highestModseq: number;
}

export type FlagOp = 'set' | 'add' | 'remove';

/**
 * A snapshot of one folder, refreshed on demand. IMAP keeps one per selected session and
 * calls refresh() to learn what other sessions and deliveries changed.
 */
export interface MailboxView {
  readonly ref: MailboxRef;
  readonly uidValidity: number;
  status(): MailboxStatus;
  /** Whether the message is \\Recent for this session (RFC 3501: only one session sees it so). */
  isRecent(uid: number): boolean;
  /** Messages in UID order as of the last refresh. */
  messages(): readonly MessageMeta[];
  /** Re-reads the directory; returns what changed since the last refresh. */
  refresh(): Promise<ViewChanges>;
  /** The message bytes as stored (CRLF line ends). */
  read(uid: number, range?: { start: number; end?: number }): Readable;
  readAll(uid: number): Promise<Buffer>;
  /**
   * Optional fast path for bulk IMAP FETCH/SEARCH: the same bytes as readAll(), read
   * synchronously (a small file from the page cache costs ~20 µs this way against ~150 µs
   * for readFile's four thread-pool round trips). IMAP calls it in batches between
   * event-loop turns; undefined when the message is gone. Added by the IMAP server.
   * `scratch`: the store may return a view into it (valid only until the next call with
   * the same scratch) instead of a new Buffer per message.
   */
  readAllSync?(uid: number, scratch?: Buffer): Buffer | undefined;
  setFlags(uids: readonly number[], op: FlagOp, flags: readonly string[]): Promise<MessageMeta[]>;
  /** Removes the given messages (EXPUNGE / POP3 DELE at QUIT); returns the UIDs removed. */
  expunge(uids: readonly number[]): Promise<number[]>;
  /** Copies into another folder of the same user; returns [sourceUid, targetUid] pairs. */
  copyTo(
    uids: readonly number[],
    folder: string,
  ): Promise<{ uidValidity: number; pairs: [number, number][] }>;
  close(): void;
}

export interface ViewChanges {
  added: MessageMeta[];
  expunged: number[];
  flagsChanged: MessageMeta[];
}

export type StoreEvent =
  | { type: 'delivered'; ref: MailboxRef; uid: number }
  | { type: 'flags'; ref: MailboxRef; uids: number[] }
  | { type: 'expunged'; ref: MailboxRef; uids: number[] }
  | { type: 'folders'; user: string };

/** In-process notification; wakes IMAP IDLE and lets sessions refresh. Cross-process changes are found by refresh(). */
export interface ChangeBus {
  subscribe(user: string, listener: (e: StoreEvent) => void): () => void;
  publish(e: StoreEvent): void;
}

export interface QuotaUsage {
  usedBytes: number;
  messages: number;
  /** 0 = unlimited. */
  limitBytes: number;
}

/** An exclusive lock on a mailbox across sessions and processes (the POP3 maildrop lock). */
export interface MailboxLock {
  /** Marks the lock as alive (holders call it on activity; untouched locks go stale). */
  touch(): Promise<void>;
  release(): Promise<void>;
}

export interface Store {
  /** Writes the body once per target: tmp/, fsync, rename to new/ (cur/ when flags are set), fsync the directory. */
  deliver(to: readonly MailboxRef[], body: Readable | Buffer, opts: DeliverOptions): Promise<Delivered[]>;
  /**
   * UIDs of messages delivered into `ref` with uidLater, by Delivered.id, in that order;
   * any still waiting for background numbering are numbered now.
   */
  uidsOf(ref: MailboxRef, ids: readonly string[]): Promise<number[]>;
  /**
   * UIDVALIDITY and the next UID, without listing the folder's messages (open() lists them
   * and keeps every UID in memory from then on: ~90 bytes a message). Creates the UID list
   * of a folder that has none yet.
   */
  uidStatus(ref: MailboxRef): Promise<{ uidValidity: number; uidNext: number }>;
  open(ref: MailboxRef, opts?: { readOnly?: boolean }): Promise<MailboxView>;
  listFolders(user: string): Promise<FolderInfo[]>;
  createFolder(user: string, folder: string, specialUse?: string): Promise<void>;
  deleteFolder(user: string, folder: string): Promise<void>;
  renameFolder(user: string, from: string, to: string): Promise<void>;
  subscribe(user: string, folder: string, on: boolean): Promise<void>;
  /** Creates INBOX and the special-use folders if missing. */
  ensureUser(user: string): Promise<void>;
  quota(user: string): Promise<QuotaUsage>;
  /** Takes the exclusive lock on a mailbox; undefined when another session holds it. */
  lockMailbox(ref: MailboxRef, opts: { staleMs: number }): Promise<MailboxLock | undefined>;
  readonly changes: ChangeBus;
}
