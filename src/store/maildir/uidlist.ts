/**
 * dovecot-uidlist, version 3, exactly as Dovecot reads it:
 *   3 V<uidvalidity> N<nextuid> G<mailbox guid, 32 hex>
 *   <uid> [<ext fields>] :<file name>
 * Records are in UID order. New records are appended under the dot-lock (Dovecot does the
 * same and re-reads only the grown tail); a full rewrite goes through the lock file and a
 * rename. next UID = max(N, last record + 1), as in Dovecot.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import type { DotLock } from './lock.js';

export interface UidlistHeader {
  uidValidity: number;
  nextUid: number;
  guid: string;
}

let lastValidity = 0;
/** A fresh UIDVALIDITY: seconds since the epoch, strictly increasing within this process. */
export function newUidValidity(): number {
  lastValidity = Math.max(Math.floor(Date.now() / 1000), lastValidity + 1);
  return lastValidity;
}

/** How many UIDs of recent background numbering an unindexed folder remembers for uidOf(). */
export const RECENT_UIDS = 4096;

/**
 * A folder's dovecot-uidlist as this process knows it. Two depths:
 * - indexed (index(), or refresh(true)): every record, base name → UID, which a reader's
 *   sync needs to number what it lists;
 * - lean (the default): the header and next UID only. A folder that is only delivered to
 *   (an SMTP inbox nobody reads here, a migration target) never needs more, and the full
 *   index grows with the folder: 10 MB of heap for 109,000 records (~95 bytes each).
 * A lean folder still numbers correctly: every file a delivery places is announced first
 * (expect(), before its rename), so a record another process writes for it is noticed in
 * whatever tail or full read comes next; records for other files cannot matter to it.
 */
export class Uidlist {
  readonly path: string;
  header: UidlistHeader = { uidValidity: 0, nextUid: 1, guid: '' };
  /** base name → UID for every record; filled only while indexed. */
  private readonly all = new Map<string, number>();
  private indexed = false;
  /** Bases placed (or about to be) and not numbered by us yet → UID another process gave them, 0 if none. */
  private readonly expected = new Map<string, number>();
  /** UIDs this process gave lately while lean, oldest first, at most RECENT_UIDS. */
  private readonly recent = new Map<string, number>();
  /** What we last read: inode and byte length (the read offset). */
  private ino = -1;
  private offset = 0;
  private exists = false;

  constructor(
    dir: string,
    /** How much of the file a lean read takes at a time. */
    private readonly chunkBytes = 1 << 20,
  ) {
    this.path = join(dir, 'dovecot-uidlist');
  }

  get loaded(): boolean {
    return this.exists;
  }

  /**
   * Brings the in-memory copy up to date; cheap (one stat) when nothing changed, else reads
   * only the appended tail. Synchronous: called inside the uidlist lock (see lock.ts).
   * `index`: keep every record from now on (the first such call reads the whole file).
   */
  refresh(index = false): boolean {
    if (index && !this.indexed) {
      this.indexed = true;
      this.ino = -1;
    }
    let st: { ino: number; size: number };
    try {
      st = statSync(this.path);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      const had = this.exists;
      this.reset();
      return had;
    }
    if (st.ino === this.ino && st.size === this.offset) return false;
    const fromTail = st.ino === this.ino && st.size > this.offset && this.exists;
    const fd = openSync(this.path, 'r');
    try {
      const fst = fstatSync(fd);
      const start = fromTail ? this.offset : 0;
      if (!fromTail) this.reset();
      // Indexed: one read, so the index's keys are slices of one text (cheaper than copies).
      // Lean: 1 MB at a time, not the whole file as a buffer, a string and its lines (filling
      // a store that held a 109,000-message folder already: peak RSS 163 → 148 MB).
      const chunk = this.indexed ? fst.size - start : this.chunkBytes;
      let pos = start;
      let done = start;
      let carry: Buffer | undefined;
      let withHeader = !fromTail;
      while (pos < fst.size) {
        const buf = Buffer.allocUnsafe(Math.min(chunk, fst.size - pos));
        let got = 0;
        while (got < buf.length) {
          const n = readSync(fd, buf, got, buf.length - got, pos + got);
          if (n === 0) break;
          got += n;
        }
        if (got === 0) break;
        pos += got;
        const data = carry ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
        // Only whole lines count; a writer may be mid-append.
        const end = data.lastIndexOf(0x0a) + 1;
        carry = data.subarray(end);
        if (end === 0) continue;
        const ok = this.parse(data.subarray(0, end).toString('utf8'), withHeader);
        withHeader = false;
        done = pos - carry.length;
        if (!ok) break;
      }
      this.ino = fst.ino;
      this.offset = done;
      this.exists = this.header.uidValidity > 0;
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /** Every record (base name → UID); reads the whole file once if the folder was lean. */
  index(): ReadonlyMap<string, number> {
    if (!this.indexed) this.refresh(true);
    return this.all;
  }

  /** The UID of a base name this process placed (expect()) or numbered, or any base when indexed. */
  uidOf(base: string): number | undefined {
    if (this.indexed) return this.all.get(base);
    return this.recent.get(base) ?? (this.expected.get(base) || undefined);
  }

  /** uidOf(), and a lean folder forgets the answer (asked once: Store.uidsOf after a batch). */
  takeUid(base: string): number | undefined {
    const uid = this.uidOf(base);
    this.recent.delete(base);
    return uid;
  }

  /** Announces a file about to be renamed into the folder and numbered by this process. */
  expect(base: string): void {
    this.expected.set(base, 0);
  }

  /** Forgets an announced file: it was numbered (uidOf keeps answering), or never placed. */
  settle(base: string): void {
    const uid = this.expected.get(base);
    if (uid === undefined) return;
    this.expected.delete(base);
    if (uid > 0 && !this.indexed) this.remember(base, uid);
  }

  private remember(base: string, uid: number): void {
    this.recent.set(base, uid);
    if (this.recent.size > RECENT_UIDS) this.recent.delete(this.recent.keys().next().value as string);
  }

  private reset(): void {
    this.header = { uidValidity: 0, nextUid: 1, guid: '' };
    this.all.clear();
    this.recent.clear();
    for (const b of this.expected.keys()) this.expected.set(b, 0);
    this.ino = -1;
    this.offset = 0;
    this.exists = false;
  }

  /** Reads records (and the header first when asked); false when the header is broken. */
  private parse(text: string, withHeader: boolean): boolean {
    let lines = text.split('\n');
    if (withHeader) {
      const h = parseHeader(lines[0] ?? '');
      if (!h) return false; // broken: treated as missing, rebuilt under the lock
      this.header = h;
      lines = lines.slice(1);
    }
    const watch = this.expected.size > 0;
    for (const line of lines) {
      const sp = line.indexOf(' ');
      if (sp <= 0) continue;
      const uid = Number(line.slice(0, sp));
      const colon = line.indexOf(' :', sp - 1);
      if (!Number.isInteger(uid) || uid <= 0 || colon < 0) continue;
      if (uid >= this.header.nextUid) this.header.nextUid = uid + 1;
      if (!this.indexed && !watch) continue;
      // sliced, not copied: the slices share one parent (the text read), which costs about
      // what copies would, and copying doubled the time of a full read (200,000 records:
      // 160 → 370 ms)
      const base = baseOf(line.slice(colon + 2));
      if (this.indexed) this.all.set(base, uid);
      if (watch && this.expected.has(base)) this.expected.set(base, uid);
    }
    return true;
  }

  /** Creates the file with records for `files` (UIDs 1…n); releases the lock. */
  create(lock: DotLock, files: readonly string[] = [], uidValidity = newUidValidity()): void {
    this.header = { uidValidity, nextUid: files.length + 1, guid: randomBytes(16).toString('hex') };
    lock.replace(headerLine(this.header) + files.map((f, i) => `${i + 1} :${f}\n`).join(''));
    this.ino = -1;
    this.offset = 0;
    this.refresh();
    if (!this.indexed) for (const [i, f] of files.entries()) this.placed(baseOf(f), i + 1);
  }

  /** Appends records for new files (dot-lock held, refresh() done). Returns their UIDs. */
  append(files: readonly string[]): number[] {
    const uids: number[] = [];
    let text = '';
    for (const f of files) {
      const uid = this.header.nextUid++;
      uids.push(uid);
      text += `${uid} :${f}\n`;
      const base = baseOf(f);
      if (this.indexed) this.all.set(own(base), uid);
      else this.placed(own(base), uid);
    }
    // No fsync: the message files are durable; a lost record only means the file is
    // numbered again (with a new UID) by the next sync, which IMAP clients tolerate.
    const fd = openSync(this.path, 'a');
    try {
      const buf = Buffer.from(text);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      const st = fstatSync(fd);
      // We hold the lock, so nobody else wrote meanwhile: our offset is the new size.
      this.ino = st.ino;
      this.offset = st.size;
    } finally {
      closeSync(fd);
    }
    return uids;
  }

  /** A lean folder's record of a UID it just wrote. */
  private placed(base: string, uid: number): void {
    this.expected.delete(base);
    this.remember(base, uid);
  }

  /** Rewrites the whole file keeping only `keep` (base → current file name), releasing the lock. */
  rewrite(lock: DotLock, keep: Map<string, string>): void {
    const recs = [...this.index()].filter(([b]) => keep.has(b)).sort((a, b) => a[1] - b[1]);
    let text = headerLine(this.header);
    for (const [b, uid] of recs) text += `${uid} :${keep.get(b)}\n`;
    lock.replace(text);
    this.ino = -1;
    this.offset = 0;
    this.refresh();
  }
}

function baseOf(file: string): string {
  const c = file.indexOf(':');
  return c < 0 ? file : file.slice(0, c);
}

/**
 * A copy of `s` that owns its characters. A substring is a view that keeps its parent
 * alive: a key sliced out of each appended file name kept that whole name too, in an index
 * that holds every message of the folder (a 200,000-message migration peaked at 156 MB
 * before, 153 MB after). The names come from UTF-8 text or are our own ASCII, so a UTF-8
 * round trip copies them exactly.
 */
function own(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

function headerLine(h: UidlistHeader): string {
  return `3 V${h.uidValidity} N${h.nextUid} G${h.guid}\n`;
}

export function parseHeader(line: string): UidlistHeader | undefined {
  if (!line.startsWith('3 ')) {
    const v1 = /^1 (\d+) (\d+)$/.exec(line);
    return v1 ? { uidValidity: Number(v1[1]), nextUid: Number(v1[2]), guid: '' } : undefined;
  }
  const h: UidlistHeader = { uidValidity: 0, nextUid: 0, guid: '' };
  for (const f of line.slice(2).split(' ')) {
    if (f[0] === 'V') h.uidValidity = Number(f.slice(1));
    else if (f[0] === 'N') h.nextUid = Number(f.slice(1));
    else if (f[0] === 'G') h.guid = f.slice(1);
  }
  return h.uidValidity > 0 && h.nextUid > 0 ? h : undefined;
}
