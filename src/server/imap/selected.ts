/**
 * The selected mailbox of one session: the store's view plus the session's own
 * sequence-number map. Sequence numbers change only when this session announces an
 * EXPUNGE, so messages removed elsewhere stay in the map (as "gone") until an EXPUNGE
 * response may be sent (RFC 3501 5.2, 7.4.1; RFC 2180 4.1).
 */
import { formatDateTime } from '../../proto/imap/args.js';
import type { MailboxStatus, MailboxView, MessageMeta } from '../../store/store.js';
import type { ImapSession } from './session.js';

export class Selected {
  /** uids[seq - 1]; ascending. */
  uids: number[];
  /** UIDs removed elsewhere, not yet announced. */
  gone = new Set<number>();
  /** Messages with a UID at or above this are \Recent to this session. */
  recentFrom: number;
  dirty = false;
  /** Flags this session already reported (STORE, FETCH setting \Seen) since the last sync. */
  private reported = new Map<number, string>();

  constructor(
    readonly view: MailboxView,
    readonly folder: string,
    readonly readOnly: boolean,
    /** The view's status if the caller has it already (it walks every message). */
    st: MailboxStatus = view.status(),
  ) {
    const msgs = view.messages();
    this.uids = new Array<number>(msgs.length);
    for (let i = 0; i < msgs.length; i++) this.uids[i] = msgs[i].uid;
    const recent = st.recent;
    this.recentFrom = recent > 0 && msgs.length >= recent ? msgs[msgs.length - recent].uid : st.uidNext;
  }

  get exists(): number {
    return this.uids.length;
  }

  /** Current metadata of a message, or undefined if it is gone. */
  meta(uid: number): MessageMeta | undefined {
    const msgs = this.view.messages();
    let lo = 0;
    let hi = msgs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = msgs[mid].uid;
      if (u === uid) return msgs[mid];
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.uids[mid];
      if (u === uid) return mid + 1;
      if (u < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  isRecent(uid: number): boolean {
    return uid >= this.recentFrom;
  }

  recentCount(): number {
    let n = 0;
    for (let i = this.uids.length - 1; i >= 0 && this.uids[i] >= this.recentFrom; i--) n++;
    return n;
  }

  /** Remembers that the client was told these flags, so the next sync does not repeat them. */
  noteReported(m: MessageMeta): void {
    this.reported.set(m.uid, m.flags.join(' '));
  }

  flagsOf(m: MessageMeta): string {
    const f = this.isRecent(m.uid) ? [...m.flags, '\\Recent'] : m.flags;
    return `(${f.join(' ')})`;
  }

  /** "FLAGS (...)" plus UID/MODSEQ as the session needs them, for unsolicited FETCH responses. */
  flagsResponse(s: ImapSession, m: MessageMeta, withUid: boolean): string {
    const items = [`FLAGS ${this.flagsOf(m)}`];
    if (withUid) items.push(`UID ${m.uid}`);
    if (s.condstore) items.push(`MODSEQ (${m.modseq})`);
    return `* ${this.seqOf(m.uid)} FETCH (${items.join(' ')})`;
  }

  /** Re-reads the view and sends EXISTS/RECENT, flag FETCHes and (when allowed) EXPUNGEs. */
  async sync(s: ImapSession, opts: { expunge: boolean; force?: boolean }): Promise<void> {
    if (this.dirty || opts.force) {
      this.dirty = false;
      const ch = await this.view.refresh();
      for (const uid of ch.expunged) if (this.seqOf(uid)) this.gone.add(uid);
      const before = this.uids.length;
      const last = this.uids[this.uids.length - 1] ?? 0;
      for (const m of ch.added) if (m.uid > last) this.uids.push(m.uid);
      if (this.uids.length !== before) {
        s.send(`* ${this.uids.length} EXISTS`);
        s.send(`* ${this.recentCount()} RECENT`);
      }
      for (const m of ch.flagsChanged) {
        if (this.reported.get(m.uid) === m.flags.join(' ')) continue;
        if (!this.gone.has(m.uid) && this.seqOf(m.uid)) s.send(this.flagsResponse(s, m, s.condstore));
      }
      this.reported.clear();
    }
    if (opts.expunge && this.gone.size) this.announceExpunged(s, [...this.gone]);
  }

  /** Sends "* n EXPUNGE" for each UID (ascending), renumbering as it goes. */
  announceExpunged(s: ImapSession, uids: number[]): void {
    uids.sort((a, b) => a - b);
    for (let i = uids.length - 1; i >= 0; i--) {
      // Highest first keeps the earlier sequence numbers valid without recomputing.
      const seq = this.seqOf(uids[i]);
      this.gone.delete(uids[i]);
      if (!seq) continue;
      this.uids.splice(seq - 1, 1);
      s.send(`* ${seq} EXPUNGE`);
    }
  }

  internalDate(m: MessageMeta): string {
    return `"${formatDateTime(m.internalDate)}"`;
  }

  close(): void {
    this.view.close();
  }
}
