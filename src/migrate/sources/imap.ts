/**
 * An IMAP server as a source, over the lean pipelined client (wire/). Mailboxes are opened
 * read-only (EXAMINE) and bodies fetched with BODY.PEEK, so the source is never changed —
 * not even \Seen. UIDs are collected first; then every body FETCH of a folder is sent at
 * once and the bodies stream to the caller, the socket pausing while the caller is behind,
 * so memory stays flat however big the folder. No command is issued inside a FETCH.
 *
 * STATUS (UIDVALIDITY UIDNEXT MESSAGES HIGHESTMODSEQ) lets a re-run skip an unchanged
 * folder, and with CONDSTORE list only what changed (new UIDs, CHANGEDSINCE for flags).
 */
import { imapError } from '../imap-connect.js';
import { listedMessage } from '../listed.js';
import { normalizeFlags } from '../names.js';
import type {
  FetchedMessage,
  FolderListing,
  FolderStatus,
  Source,
  SourceFolder,
  SourceMessage,
} from '../types.js';
import type { WireConn } from '../wire/conn.js';
import {
  fetchBodies,
  fetchMeta,
  listFolders,
  personalPrefix,
  select,
  specialUseOf,
  status,
} from '../wire/mailbox.js';

export class ImapSource implements Source {
  readonly kind = 'imap' as const;
  private wireNames = new Map<string, string>();
  private selected = '';

  constructor(
    readonly user: string,
    private readonly conn: WireConn,
    private readonly where: string,
  ) {}

  capabilities(): string[] {
    return [...this.conn.caps].sort();
  }

  async folders(): Promise<SourceFolder[]> {
    try {
      // three commands, one round trip (pipelined)
      const [prefix, list, subs] = await Promise.all([
        personalPrefix(this.conn),
        listFolders(this.conn, 'LIST'),
        listFolders(this.conn, 'LSUB'),
      ]);
      const subscribed = new Set(subs.map((f) => f.wire));
      return list.map((f) => {
        this.wireNames.set(f.name, f.wire);
        let path = f.delimiter ? f.name.split(f.delimiter) : [f.name];
        // Courier-style personal namespace "INBOX.": INBOX.Sent is a top-level Sent
        if (prefix && f.name.startsWith(prefix) && f.name !== 'INBOX')
          path = path.slice(prefix.split(f.delimiter).length - 1);
        const attrs = f.attrs.map((a) => a.toLowerCase());
        return {
          path,
          raw: f.name,
          specialUse: specialUseOf(f.attrs),
          subscribed: subscribed.has(f.wire) || f.name === 'INBOX',
          selectable: !attrs.includes('\\noselect') && !attrs.includes('\\nonexistent'),
          nameProblem: f.nameProblem,
        };
      });
    } catch (e) {
      throw imapError(e, this.where);
    }
  }

  private wire(folder: SourceFolder): string {
    return this.wireNames.get(folder.raw) ?? folder.raw;
  }

  private async examine(folder: SourceFolder): Promise<{ validity: string; exists: number }> {
    const s = await select(this.conn, this.wire(folder), true);
    this.selected = folder.raw;
    return { validity: String(s.uidValidity), exists: s.exists };
  }

  async status(folder: SourceFolder): Promise<FolderStatus | undefined> {
    if (!folder.selectable) return undefined;
    try {
      const s = await status(this.conn, this.wire(folder));
      return {
        validity: String(s.uidValidity),
        uidNext: s.uidNext,
        messages: s.messages,
        highestModseq: s.highestModseq,
      };
    } catch (e) {
      throw imapError(e, `${this.where} ${folder.raw}`);
    }
  }

  async list(
    folder: SourceFolder,
    opts: { messageIds?: boolean; since?: FolderStatus } = {},
  ): Promise<FolderListing> {
    const listing: FolderListing = { validity: '', messages: [], problems: [] };
    if (!folder.selectable) return listing;
    try {
      const st = this.conn.caps.has('CONDSTORE') ? await this.status(folder) : undefined;
      const { validity, exists } = await this.examine(folder);
      listing.validity = validity;
      if (st && st.validity === validity) listing.state = st;
      if (exists === 0) return listing;
      const items = `UID FLAGS INTERNALDATE RFC822.SIZE${opts.messageIds ? ' BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]' : ''}`;
      const since = opts.since;
      if (since?.highestModseq && st?.highestModseq && since.validity === validity && !opts.messageIds) {
        listing.partial = true;
        const fresh = await fetchMeta(this.conn, `${since.uidNext}:*`, items);
        for (const m of fresh) if (m.uid >= since.uidNext) listing.messages.push(this.message(m, false));
        if (since.uidNext > 1) {
          const changed = await fetchMeta(
            this.conn,
            `1:${since.uidNext - 1}`,
            'UID FLAGS INTERNALDATE RFC822.SIZE',
            `CHANGEDSINCE ${since.highestModseq}`,
          );
          for (const m of changed) listing.messages.push(this.message(m, false));
        }
        return listing;
      }
      await fetchMeta(this.conn, '1:*', items, '', (m) =>
        listing.messages.push(this.message(m, Boolean(opts.messageIds))),
      );
      return listing;
    } catch (e) {
      throw imapError(e, `${this.where} ${folder.raw}`);
    }
  }

  private message(m: Awaited<ReturnType<typeof fetchMeta>>[number], messageIds: boolean): SourceMessage {
    const msg = listedMessage(
      String(m.uid),
      m.size ?? 0,
      normalizeFlags(m.flags),
      m.internalDate ?? new Date(0),
    );
    if (messageIds) {
      const h = m.header?.toString('latin1') ?? '';
      const id = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(h);
      msg.messageId = id ? id[1].replace(/\s+/g, ' ').trim() || null : null;
    }
    return msg;
  }

  async *fetch(folder: SourceFolder, messages: readonly SourceMessage[]): AsyncIterable<FetchedMessage> {
    try {
      if (this.selected !== folder.raw) await this.examine(folder);
      for await (const m of fetchBodies(
        this.conn,
        messages.map((x) => Number(x.key)),
      ))
        yield { key: String(m.uid), body: m.body };
    } catch (e) {
      throw imapError(e, `${this.where} ${folder.raw}`);
    }
  }

  async close(): Promise<void> {
    await this.conn.logout();
  }
}
