/**
 * A POP3 maildrop: the INBOX as it was at login (message numbers never shift during a
 * session) and deletion marks applied only in the UPDATE state (QUIT). The maildrop lock
 * is Store.lockMailbox (see src/store/maildir/mailbox-lock.ts).
 */
import type { Readable } from 'node:stream';
import { uidl } from '../../proto/pop3.js';
import type { MailboxView, MessageMeta, Store } from '../../store/store.js';

export class Maildrop {
  private deleted = new Set<number>();

  constructor(
    private view: MailboxView,
    /** Messages at login, numbered 1…n. */
    private msgs: readonly MessageMeta[],
  ) {}

  static async open(store: Store, user: string): Promise<Maildrop> {
    const view = await store.open({ user, folder: 'INBOX' });
    return new Maildrop(view, [...view.messages()]);
  }

  get count(): number {
    return this.msgs.length;
  }

  /** The message with this number, unless deleted. */
  get(n: number): MessageMeta | undefined {
    if (this.deleted.has(n)) return undefined;
    return this.msgs[n - 1];
  }

  isDeleted(n: number): boolean {
    return this.deleted.has(n);
  }

  /** STAT: messages and octets not marked deleted. */
  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    for (let n = 1; n <= this.msgs.length; n++) {
      const m = this.get(n);
      if (!m) continue;
      count++;
      octets += m.size;
    }
    return { count, octets };
  }

  uidl(m: MessageMeta): string {
    return uidl(m.uid, this.view.uidValidity);
  }

  read(m: MessageMeta): Readable {
    return this.view.read(m.uid);
  }

  readAll(m: MessageMeta): Promise<Buffer> {
    return this.view.readAll(m.uid);
  }

  dele(n: number): void {
    this.deleted.add(n);
  }

  rset(): void {
    this.deleted.clear();
  }

  /** UPDATE state: removes the marked messages; returns how many went. */
  async commit(): Promise<number> {
    const uids = [...this.deleted].map((n) => this.msgs[n - 1].uid);
    if (uids.length === 0) return 0;
    const removed = await this.view.expunge(uids);
    this.deleted.clear();
    return removed.length;
  }

  /** Marks RETR'd messages \Seen, as Dovecot does, so IMAP shows them read. */
  async markSeen(m: MessageMeta): Promise<void> {
    if (m.flags.includes('\\Seen')) return;
    await this.view.setFlags([m.uid], 'add', ['\\Seen']).catch(() => undefined);
  }

  close(): void {
    this.view.close();
  }
}
