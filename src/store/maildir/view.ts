/**
 * A MailboxView: one session's snapshot of a folder over the shared FolderState. The
 * snapshot changes only in refresh() (IMAP decides when to tell the client), while
 * setFlags/expunge act on the shared state and the files.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MailctlError } from '../../errors.js';
import type { FlagOp, MailboxRef, MailboxStatus, MailboxView, MessageMeta, ViewChanges } from '../store.js';
import type { Entry } from './entry.js';
import { canonicalFlag, formatName, SYSTEM_FLAG_LETTERS, sortLetters } from './filename.js';
import type { FolderState } from './folder.js';
import { withMutex } from './lock.js';
import { messageChunks, openMessage, readWhole, readWholeSync } from './read.js';

const CLAIM_BATCH = 64;

export interface ViewHost {
  /** Copies files into another folder of the same user and numbers them. */
  copyEntries(
    ref: MailboxRef,
    entries: readonly Entry[],
    folder: string,
  ): Promise<{ uidValidity: number; uids: number[] }>;
  removed(ref: MailboxRef, bytes: number, count: number): Promise<void>;
  publish(e: import('../store.js').StoreEvent): void;
}

export class MaildirView implements MailboxView {
  private snapshot: readonly Entry[] = [];
  private seenVersion = -1;
  private closed = false;
  /** UIDs this view claimed as \\Recent (moved from new/ to cur/ by this session). */
  private recentUids = new Set<number>();

  constructor(
    readonly ref: MailboxRef,
    private state: FolderState,
    private host: ViewHost,
    private readOnly: boolean,
  ) {}

  get uidValidity(): number {
    return this.state.uidValidity;
  }

  /** First fill; called by the store before handing the view out. */
  async init(): Promise<void> {
    await withMutex(this.state.dir, async () => {
      await this.state.sync();
      await this.claimRecent();
    });
    this.snapshot = this.state.snapshot();
    this.seenVersion = this.state.version;
  }

  /**
   * RFC 3501 \\Recent as Dovecot does it on Maildir: the first writable session to see a
   * message in new/ moves it to cur/ and is the only one that reports it as recent.
   * Read-only views (EXAMINE, STATUS) claim nothing and count what is still in new/.
   */
  private async claimRecent(): Promise<void> {
    if (this.readOnly || this.closed) return;
    const fresh = this.state.entries.filter((e) => e.sub === 'new');
    // Renames in parallel batches: a first SELECT of 10,000 delivered messages must not
    // wait for 10,000 sequential thread-pool round trips.
    for (let i = 0; i < fresh.length; i += CLAIM_BATCH) {
      await Promise.all(fresh.slice(i, i + CLAIM_BATCH).map((e) => this.claim(e)));
    }
  }

  private async claim(e: Entry): Promise<void> {
    const file = formatName(e.id, e.letters);
    try {
      await fsp.rename(e.path, join(this.state.dir, 'cur', file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else took it
      throw err;
    }
    const now = this.state.byUid.get(e.uid);
    if (now) this.state.applyRename(now, file, 'cur', e.letters);
    this.recentUids.add(e.uid);
  }

  isRecent(uid: number): boolean {
    if (this.readOnly) return this.state.byUid.get(uid)?.sub === 'new';
    return this.recentUids.has(uid);
  }

  status(): MailboxStatus {
    let unseen = 0;
    let recent = 0;
    for (const e of this.snapshot) {
      if (!e.letters.includes('S')) unseen++;
      if (this.isRecent(e.uid)) recent++;
    }
    return {
      uidValidity: this.state.uidValidity,
      uidNext: this.state.uidNext,
      messages: this.snapshot.length,
      unseen,
      recent,
      highestModseq: Math.max(this.state.highestModseq, 1),
    };
  }

  messages(): readonly MessageMeta[] {
    return this.snapshot;
  }

  async refresh(): Promise<ViewChanges> {
    await this.state.syncShared();
    if (!this.readOnly) await withMutex(this.state.dir, () => this.claimRecent());
    const changes: ViewChanges = { added: [], expunged: [], flagsChanged: [] };
    if (this.state.version === this.seenVersion) return changes;
    const next = this.state.snapshot();
    const old = this.snapshot;
    let i = 0;
    let j = 0;
    while (i < old.length || j < next.length) {
      const a = old[i];
      const b = next[j];
      if (b === undefined || (a !== undefined && a.uid < b.uid)) {
        changes.expunged.push(a.uid);
        i++;
      } else if (a === undefined || b.uid < a.uid) {
        changes.added.push(b);
        j++;
      } else {
        if (a !== b && a.letters !== b.letters) changes.flagsChanged.push(b);
        i++;
        j++;
      }
    }
    this.snapshot = next;
    this.seenVersion = this.state.version;
    return changes;
  }

  private entry(uid: number): Entry {
    const e = this.state.byUid.get(uid) ?? this.snapshot.find((x) => x.uid === uid);
    if (!e) throw new MailctlError('not-found', `no message with UID ${uid}`, { where: this.where() });
    return e;
  }

  private where(): string {
    return `${this.ref.user} ${this.ref.folder}`;
  }

  read(uid: number, range?: { start: number; end?: number }): Readable {
    this.entry(uid); // unknown UIDs fail now, not later in the stream
    return Readable.from(
      messageChunks(() => this.open(uid), range),
      { objectMode: false },
    );
  }

  readAll(uid: number): Promise<Buffer> {
    return readWhole(() => this.open(uid));
  }

  readAllSync(uid: number, scratch?: Buffer): Buffer | undefined {
    const e = this.state.byUid.get(uid) ?? this.snapshot.find((x) => x.uid === uid);
    return e ? readWholeSync(this.state.dir, e, scratch) : undefined;
  }

  private open(uid: number) {
    return openMessage(
      () => this.entry(uid),
      () =>
        withMutex(this.state.dir, async () => {
          this.state.invalidate();
          await this.state.sync();
        }),
      this.where(),
    );
  }

  async setFlags(uids: readonly number[], op: FlagOp, flags: readonly string[]): Promise<MessageMeta[]> {
    this.writable();
    const canon = flags.map(canonicalFlag).filter((f) => f !== '\\Recent');
    const keywords = canon.filter((f) => !f.startsWith('\\'));
    const klet =
      op === 'remove'
        ? keywords.map((k) => this.state.keywords.letterOf(k)).filter((l) => l !== undefined)
        : await this.state.keywords.letters(keywords);
    const letters = [
      ...canon
        .filter((f) => f.startsWith('\\'))
        .map((f) => SYSTEM_FLAG_LETTERS[f])
        .filter(Boolean),
      ...klet,
    ];
    const out = await withMutex(this.state.dir, async () => {
      const changed: MessageMeta[] = [];
      for (const uid of uids) {
        const e = await this.renameWithRetry(uid, (cur) => {
          // Keep letters we do not manage (e.g. "P" passed) on "set".
          const keep = [...cur].filter((l) => !'DFRST'.includes(l) && !(l >= 'a' && l <= 'z'));
          if (op === 'set') return sortLetters([...keep, ...letters]);
          if (op === 'add') return sortLetters([...cur, ...letters]);
          return sortLetters([...cur].filter((l) => !letters.includes(l)));
        });
        if (e) changed.push(e);
      }
      return changed;
    });
    if (out.length > 0) this.host.publish({ type: 'flags', ref: this.ref, uids: out.map((m) => m.uid) });
    return out;
  }

  /** Renames one message to new flag letters; re-syncs once if the file moved under us. */
  private async renameWithRetry(uid: number, next: (letters: string) => string): Promise<Entry | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const e = this.state.byUid.get(uid);
      if (!e) return undefined;
      const letters = next(e.letters);
      if (letters === e.letters && e.sub === 'cur') return undefined;
      const file = formatName(e.id, letters);
      try {
        await fsp.rename(e.path, join(this.state.dir, 'cur', file));
        return this.state.applyRename(e, file, 'cur', letters);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.state.invalidate();
        await this.state.sync();
      }
    }
    return undefined;
  }

  async expunge(uids: readonly number[]): Promise<number[]> {
    this.writable();
    const removed: number[] = [];
    let bytes = 0;
    await withMutex(this.state.dir, async () => {
      for (const uid of uids) {
        const e = this.state.byUid.get(uid);
        if (!e) continue;
        try {
          await fsp.unlink(e.path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          continue; // someone else removed or renamed it; the next sync will tell
        }
        bytes += e.size;
        removed.push(uid);
      }
      this.state.applyRemoved(removed);
      if (removed.length > 0) await this.state.compactUidlist();
    });
    if (removed.length > 0) {
      await this.host.removed(this.ref, bytes, removed.length);
      this.host.publish({ type: 'expunged', ref: this.ref, uids: removed });
    }
    return removed;
  }

  async copyTo(
    uids: readonly number[],
    folder: string,
  ): Promise<{ uidValidity: number; pairs: [number, number][] }> {
    const entries = uids.map((u) => this.state.byUid.get(u)).filter((e): e is Entry => e !== undefined);
    const r = await this.host.copyEntries(this.ref, entries, folder);
    return { uidValidity: r.uidValidity, pairs: entries.map((e, i) => [e.uid, r.uids[i]]) };
  }

  close(): void {
    this.closed = true;
  }

  private writable(): void {
    if (this.readOnly)
      throw new MailctlError('invalid-input', 'the folder is open read-only', { where: this.where() });
    if (this.closed)
      throw new MailctlError('invalid-input', 'the folder view is closed', { where: this.where() });
  }
}
