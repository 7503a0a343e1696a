/**
 * The in-process state of one Maildir folder, shared by every view, delivery and POP3
 * session of this process. The files are the truth: sync() re-reads new/, cur/ and
 * dovecot-uidlist when their mtimes/sizes moved (or too recently to trust), and assigns
 * UIDs to files nobody has numbered yet (mail dropped in by another MDA).
 *
 * Locking: see lock.ts. Our own callers are ordered by an in-process mutex on the folder
 * directory; dovecot-uidlist is changed only with dovecot-uidlist.lock held; flag changes
 * are single renames (atomic; a rename that finds the file gone re-syncs and retries).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import { Entry, type EntryOwner } from './entry.js';
import { parseName } from './filename.js';
import { KeywordTable } from './keywords.js';
import { withDotLock, withMutex } from './lock.js';
import { ModseqCache } from './modseq.js';
import { Uidlist } from './uidlist.js';

/**
 * A directory mtime this close to "now" may still change without the mtime moving (the next
 * change can land in the same timestamp tick), so such a listing is re-read next time, as
 * Dovecot does within 1 s. File systems with sub-second timestamps (ext4, xfs: the tick is
 * the kernel's coarse clock, ≤ 10 ms) need far less than a second; whole-second timestamps
 * (some NFS servers) get the full second.
 */
function trustAfterMs(mtimeMs: number): number {
  return mtimeMs % 1000 === 0 ? 1000 : 100;
}

interface Seen {
  file: string;
  sub: 'new' | 'cur';
  /** The entry already known under exactly this name, if any. */
  entry?: Entry;
}

interface Listing {
  mtimeMs: number;
  names: string[];
  trusted: boolean;
}

export class FolderState implements EntryOwner {
  readonly uidlist: Uidlist;
  readonly keywords: KeywordTable;
  readonly modseqs: ModseqCache;
  private _entries: Entry[] = [];
  /** Set when a view holds `entries` as its snapshot: the next in-place change copies first. */
  private shared = false;
  byUid = new Map<number, Entry>();
  private byBase = new Map<string, Entry>();
  /** Current file name → entry, so unchanged names are not parsed again. */
  private byFile = new Map<string, Entry>();
  /** UIDVALIDITY the entries were numbered under. */
  private builtValidity = 0;
  /** Bumped on every visible change; views compare it to skip work. */
  version = 0;
  private listings: { new?: Listing; cur?: Listing } = {};

  constructor(
    readonly dir: string,
    readonly fsync: boolean,
  ) {
    this.uidlist = new Uidlist(dir);
    this.keywords = new KeywordTable(dir, fsync);
    this.modseqs = new ModseqCache(dir);
  }

  /** The current entries in UID order; callers must not modify the array. */
  get entries(): readonly Entry[] {
    return this._entries;
  }

  /** The entries for a view to keep as its snapshot (copy-on-write). */
  snapshot(): readonly Entry[] {
    this.shared = true;
    return this._entries;
  }

  private mutable(): Entry[] {
    if (this.shared) {
      this._entries = this._entries.slice();
      this.shared = false;
    }
    return this._entries;
  }

  keywordNames(): readonly string[] {
    return this.keywords.list();
  }

  get uidValidity(): number {
    return this.uidlist.header.uidValidity;
  }

  get uidNext(): number {
    return this.uidlist.header.nextUid;
  }

  get highestModseq(): number {
    return this.modseqs.highest;
  }

  private tmpSwept = false;

  /**
   * Maildir rule: files in tmp/ older than 36 hours are leftovers of crashed writers (a
   * delivery never leaves one otherwise). Swept once per folder and process, in the background.
   */
  private sweepTmp(): void {
    if (this.tmpSwept) return;
    this.tmpSwept = true;
    const tmp = join(this.dir, 'tmp');
    void (async () => {
      const cutoff = Date.now() - 36 * 3600_000;
      for (const n of await fsp.readdir(tmp).catch(() => [] as string[])) {
        const p = join(tmp, n);
        const st = await fsp.stat(p).catch(() => undefined);
        if (st?.isFile() && st.mtimeMs < cutoff) await fsp.unlink(p).catch(() => undefined);
      }
    })();
  }

  private syncRunning?: Promise<unknown>;
  private syncQueued?: Promise<void>;

  /**
   * A locked sync that starts after this call, shared by every caller asking while one
   * is already running: the views of 10,000 IDLE sessions woken by one delivery cause
   * two directory scans, not 10,000 one after another.
   */
  syncShared(): Promise<void> {
    if (!this.syncRunning) {
      const p: Promise<unknown> = withMutex(this.dir, () => this.sync()).finally(() => {
        if (this.syncRunning === p) this.syncRunning = undefined;
      });
      this.syncRunning = p;
      return p.then(() => undefined);
    }
    this.syncQueued ??= this.syncRunning
      .catch(() => undefined)
      .then(() => {
        this.syncQueued = undefined;
        return this.syncShared();
      });
    return this.syncQueued;
  }

  /** Re-reads what changed on disk. Returns true when the state changed. */
  async sync(): Promise<boolean> {
    this.sweepTmp();
    // new/ before cur/: a file moving new/ → cur/ meanwhile is then seen twice, never missed.
    const lnew = await this.list('new');
    const lcur = await this.list('cur');
    const uidChanged = this.uidlist.refresh(true);
    await this.keywords.load();
    if (!lnew.changed && !lcur.changed && !uidChanged && this.uidlist.loaded) return false;
    await this.modseqs.load();

    if (this.builtValidity !== 0 && this.builtValidity !== this.uidValidity) {
      // dovecot-uidlist was recreated (UIDVALIDITY changed): every UID is new.
      this.byBase.clear();
      this.byFile.clear();
    }
    const files = new Map<string, Seen>();
    this.collect(files, lnew.names, 'new', false);
    this.collect(files, lcur.names, 'cur', true);
    // readdir is not atomic against renames in the same directory (a flag change by another
    // process): before calling a message expunged, look once more and take the union.
    if (files.size < this._entries.length || this._entries.some((e) => !files.has(e.id))) {
      this.invalidate();
      const again = [await this.list('new'), await this.list('cur')];
      this.collect(files, again[0].names, 'new', false);
      this.collect(files, again[1].names, 'cur', true);
    }
    const unnumbered: string[] = [];
    const numbered = this.uidlist.index();
    for (const [b, f] of files) if (!numbered.has(b)) unnumbered.push(f.file);
    if (unnumbered.length > 0 || !this.uidlist.loaded) await this.number(unnumbered.sort());
    this.builtValidity = this.uidValidity;

    let changed = uidChanged;
    const next: Entry[] = [];
    for (const [base, f] of files) {
      const uid = numbered.get(base);
      if (uid === undefined) {
        this.invalidate(); // not numbered yet: make sure the next sync looks again
        continue;
      }
      const old = f.entry ?? this.byBase.get(base);
      if (old && old.uid === uid && old.file === f.file && old.sub === f.sub) {
        next.push(old);
        continue;
      }
      changed = true;
      const p = parseName(f.file);
      if (old && old.uid === uid) {
        const modseq = old.letters === p.letters ? old.modseq : this.modseqs.bump(uid, p.letters);
        next.push(old.with(f.file, f.sub, p.letters, modseq));
      } else {
        const modseq = this.modseqs.known(uid, p.letters) ?? this.modseqs.bump(uid, p.letters);
        next.push(newEntry(this, uid, base, f.file, f.sub, p.letters, modseq));
      }
    }
    if (next.length !== this._entries.length) changed = true;
    if (!changed) return false;
    next.sort((a, b) => a.uid - b.uid);
    this.replaceAll(next);
    return true;
  }

  /** Adds directory names to `files` by base name; known file names skip parsing. */
  private collect(
    files: Map<string, Seen>,
    names: readonly string[],
    sub: 'new' | 'cur',
    override: boolean,
  ): void {
    for (const n of names) {
      const known = this.byFile.get(n);
      const base = known && known.sub === sub ? known.id : parseName(n).base;
      if (!override && files.has(base)) continue;
      files.set(base, { file: n, sub, entry: known && known.sub === sub ? known : undefined });
    }
  }

  private replaceAll(next: Entry[]): void {
    this._entries = next;
    this.shared = false;
    this.byUid = new Map(next.map((e) => [e.uid, e]));
    this.byBase = new Map(next.map((e) => [e.id, e]));
    this.byFile = new Map(next.map((e) => [e.file, e]));
    this.modseqs.retain(this.byUid);
    this.version++;
  }

  /** Lists new/ or cur/ unless its mtime says nothing changed. */
  private async list(sub: 'new' | 'cur'): Promise<{ names: string[]; changed: boolean }> {
    const path = join(this.dir, sub);
    const prev = this.listings[sub];
    let mtimeMs: number;
    try {
      mtimeMs = (await fsp.stat(path)).mtimeMs;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      this.listings[sub] = { mtimeMs: 0, names: [], trusted: true };
      return { names: [], changed: (prev?.names.length ?? 0) > 0 };
    }
    if (prev?.trusted && prev.mtimeMs === mtimeMs) return { names: prev.names, changed: false };
    const names = (await fsp.readdir(path)).filter((n) => n[0] !== '.');
    const trusted = Date.now() - mtimeMs > trustAfterMs(mtimeMs);
    this.listings[sub] = { mtimeMs, names, trusted };
    // Re-read only because the mtime was too recent to trust: often nothing moved.
    const same =
      prev !== undefined && prev.names.length === names.length && prev.names.every((n, i) => n === names[i]);
    return { names, changed: !same };
  }

  /** Forgets the cached listings so the next sync re-reads both directories. */
  invalidate(): void {
    this.listings = {};
  }

  /** Gives UIDs to files that have none (under the uidlist lock); creates the uidlist if needed. */
  async number(files: readonly string[]): Promise<void> {
    await withDotLock(this.uidlist.path, { fsync: this.fsync }, (lock) => {
      this.uidlist.refresh(true);
      const numbered = this.uidlist.index();
      const todo = files.filter((f) => !numbered.has(parseName(f).base));
      if (!this.uidlist.loaded) this.uidlist.create(lock, todo);
      else if (todo.length > 0) this.uidlist.append(todo);
    });
  }

  /** Reads dovecot-uidlist's header (lean: no index), creating the file when there is none. */
  async ensureUidlist(): Promise<void> {
    this.uidlist.refresh();
    if (this.uidlist.loaded) return;
    await withDotLock(this.uidlist.path, { fsync: this.fsync }, (lock) => {
      this.uidlist.refresh();
      if (!this.uidlist.loaded) this.uidlist.create(lock, []);
    });
  }

  /** Rewrites dovecot-uidlist without records of vanished files (after expunge). */
  async compactUidlist(): Promise<void> {
    await withDotLock(this.uidlist.path, { fsync: this.fsync }, async (lock) => {
      this.uidlist.refresh(true);
      const keep = new Map<string, string>();
      for (const sub of ['new', 'cur']) {
        const names = await fsp.readdir(join(this.dir, sub)).catch(() => [] as string[]);
        for (const n of names) if (n[0] !== '.') keep.set(parseName(n).base, n);
      }
      if (this.uidlist.loaded) this.uidlist.rewrite(lock, keep);
    });
  }

  /** Records our own rename (flag change) without a rescan. */
  applyRename(old: Entry, file: string, sub: 'new' | 'cur', letters: string): Entry {
    const modseq = old.letters === letters ? old.modseq : this.modseqs.bump(old.uid, letters);
    const e = old.with(file, sub, letters, modseq);
    const i = this.indexOf(old.uid);
    if (i >= 0) this.mutable()[i] = e;
    this.byUid.set(e.uid, e);
    this.byBase.set(e.id, e);
    this.byFile.delete(old.file);
    this.byFile.set(e.file, e);
    this.version++;
    return e;
  }

  /** Records our own unlinks without a rescan. */
  applyRemoved(uids: readonly number[]): void {
    if (uids.length === 0) return;
    const gone = new Set(uids);
    for (const u of uids) {
      const e = this.byUid.get(u);
      if (e) {
        this.byBase.delete(e.id);
        this.byFile.delete(e.file);
      }
      this.byUid.delete(u);
    }
    this._entries = this._entries.filter((e) => !gone.has(e.uid));
    this.shared = false;
    this.modseqs.expunged(uids);
    this.version++;
  }

  indexOf(uid: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.entries[mid].uid;
      if (u === uid) return mid;
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

function newEntry(
  owner: FolderState,
  uid: number,
  base: string,
  file: string,
  sub: 'new' | 'cur',
  letters: string,
  modseq: number,
): Entry {
  const p = parseName(file);
  const size = p.vsize ?? undefined;
  const crlf = p.size !== undefined && p.size === p.vsize;
  return new Entry(owner, uid, base, file, sub, letters, modseq, size, crlf);
}
