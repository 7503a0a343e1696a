/**
 * An IMAP server as a source (imapflow). Mailboxes are opened read-only (EXAMINE) and
 * bodies fetched with BODY.PEEK, so the source is never changed — not even \Seen. UIDs are
 * collected first, then bodies fetched in byte-bounded batches; the next batch is already
 * on the wire while the caller stores the current one. No command is ever issued inside a
 * FETCH loop.
 */
import type { ImapFlow } from 'imapflow';
import { imapError } from '../imap-connect.js';
import { normalizeFlags } from '../names.js';
import type { FetchedMessage, FolderListing, Source, SourceFolder, SourceMessage } from '../types.js';

const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_COUNT = 500;

export class ImapSource implements Source {
  readonly kind = 'imap' as const;
  private sizes = new Map<string, number>();
  private selected = '';

  constructor(
    readonly user: string,
    private readonly client: ImapFlow,
    private readonly where: string,
  ) {}

  capabilities(): string[] {
    return [...this.client.capabilities.keys()].sort();
  }

  async folders(): Promise<SourceFolder[]> {
    try {
      const list = await this.client.list();
      const prefix = (this.client as unknown as { namespace?: { prefix?: string } }).namespace?.prefix ?? '';
      return list.map((f) => {
        let path = f.delimiter ? f.path.split(f.delimiter) : [f.path];
        // Courier-style personal namespace "INBOX.": INBOX.Sent is a top-level Sent
        if (prefix && f.path.startsWith(prefix) && f.path !== 'INBOX')
          path = path.slice(prefix.split(f.delimiter).length - 1);
        const flags = new Set([...f.flags].map((x) => x.toLowerCase()));
        return {
          path,
          raw: f.path,
          specialUse: f.specialUse && f.specialUse !== '\\Inbox' ? f.specialUse : undefined,
          subscribed: Boolean(f.subscribed) || f.path === 'INBOX',
          selectable: !flags.has('\\noselect') && !flags.has('\\nonexistent'),
        };
      });
    } catch (e) {
      throw imapError(e, this.where);
    }
  }

  private async select(path: string): Promise<{ validity: string; exists: number }> {
    const mb = await this.client.mailboxOpen(path, { readOnly: true });
    this.selected = path;
    return { validity: String(mb.uidValidity), exists: mb.exists };
  }

  async list(folder: SourceFolder, opts: { messageIds?: boolean } = {}): Promise<FolderListing> {
    const listing: FolderListing = { validity: '', messages: [], problems: [] };
    if (!folder.selectable) return listing;
    try {
      const { validity, exists } = await this.select(folder.raw);
      listing.validity = validity;
      if (exists === 0) return listing;
      const query = {
        uid: true,
        flags: true,
        internalDate: true,
        size: true,
        headers: opts.messageIds ? ['message-id'] : undefined,
      };
      for await (const m of this.client.fetch('1:*', query, { uid: true })) {
        const msg: SourceMessage = {
          key: String(m.uid),
          size: m.size ?? 0,
          flags: normalizeFlags(m.flags ?? []),
          internalDate: m.internalDate instanceof Date ? m.internalDate : new Date(String(m.internalDate)),
        };
        if (opts.messageIds) {
          const h = m.headers?.toString('latin1') ?? '';
          const id = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(h);
          msg.messageId = id ? id[1].replace(/\s+/g, ' ').trim() || null : null;
        }
        listing.messages.push(msg);
        this.sizes.set(`${folder.raw}\0${m.uid}`, m.size ?? 0);
      }
      return listing;
    } catch (e) {
      throw imapError(e, `${this.where} ${folder.raw}`);
    }
  }

  private batches(folder: SourceFolder, keys: readonly string[]): number[][] {
    const out: number[][] = [];
    let cur: number[] = [];
    let bytes = 0;
    for (const k of keys) {
      const size = this.sizes.get(`${folder.raw}\0${k}`) ?? 0;
      if (cur.length && (bytes + size > BATCH_BYTES || cur.length >= BATCH_COUNT)) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(Number(k));
      bytes += size;
    }
    if (cur.length) out.push(cur);
    return out;
  }

  private async fetchBatch(folder: SourceFolder, uids: number[]): Promise<FetchedMessage[]> {
    if (this.selected !== folder.raw) await this.select(folder.raw);
    const got: FetchedMessage[] = [];
    for await (const m of this.client.fetch(uids.join(','), { uid: true, source: true }, { uid: true })) {
      if (m.source) got.push({ key: String(m.uid), body: m.source });
    }
    return got;
  }

  async *fetch(folder: SourceFolder, keys: readonly string[]): AsyncIterable<FetchedMessage> {
    const batches = this.batches(folder, keys);
    let next: Promise<FetchedMessage[]> | undefined = batches.length
      ? this.fetchBatch(folder, batches[0])
      : undefined;
    for (let i = 0; next; i++) {
      let cur: FetchedMessage[];
      try {
        cur = await next;
      } catch (e) {
        throw imapError(e, `${this.where} ${folder.raw}`);
      }
      next = i + 1 < batches.length ? this.fetchBatch(folder, batches[i + 1]) : undefined;
      // if the consumer stops early the prefetch must not become an unhandled rejection
      next?.catch(() => undefined);
      yield* cur;
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }
}
