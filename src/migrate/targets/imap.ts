/**
 * Any IMAP server as the target (imapflow): CREATE/SUBSCRIBE folders, APPEND with flags and
 * INTERNALDATE (UIDPLUS gives the new UID for the journal), STORE FLAGS on re-runs, and
 * scans that hash bodies in byte-bounded batches for verification and crash recovery.
 */
import type { ImapFlow } from 'imapflow';
import { sha256 } from '../hash.js';
import { imapError } from '../imap-connect.js';
import { normalizeFlags } from '../names.js';
import type { Target, TargetFolderState, TargetMessage } from '../types.js';

export class ImapTarget implements Target {
  readonly kind = 'imap' as const;
  readonly delimiter: string;
  private selected = '';

  constructor(
    readonly user: string,
    private readonly client: ImapFlow,
    private readonly where: string,
    delimiter: string,
  ) {
    this.delimiter = delimiter;
  }

  static async open(user: string, client: ImapFlow, where: string): Promise<ImapTarget> {
    const list = await client.list();
    const inbox = list.find((f) => f.path === 'INBOX');
    return new ImapTarget(user, client, where, inbox?.delimiter || list[0]?.delimiter || '/');
  }

  private fail(e: unknown, folder?: string): never {
    throw imapError(e, `${this.where}${folder ? ` ${folder}` : ''}`);
  }

  async folders(): Promise<{ name: string; specialUse?: string }[]> {
    try {
      return (await this.client.list()).map((f) => ({ name: f.path, specialUse: f.specialUse }));
    } catch (e) {
      this.fail(e);
    }
  }

  async ensureFolder(name: string, opts: { specialUse?: string; subscribed: boolean }): Promise<void> {
    if (name === 'INBOX') return;
    try {
      await this.client.mailboxCreate(name);
      if (opts.subscribed) await this.client.mailboxSubscribe(name);
    } catch (e) {
      const text = (e as { responseText?: string; serverResponseCode?: string }).serverResponseCode ?? '';
      if (text !== 'ALREADYEXISTS' && !/exists/i.test((e as { responseText?: string }).responseText ?? ''))
        this.fail(e, name);
    }
  }

  async state(folder: string): Promise<TargetFolderState> {
    try {
      const s = await this.client.status(folder, { uidValidity: true, uidNext: true });
      return { uidValidity: Number(s.uidValidity ?? 0), uidNext: s.uidNext ?? 1 };
    } catch (e) {
      this.fail(e, folder);
    }
  }

  async append(
    folder: string,
    body: Buffer,
    flags: readonly string[],
    internalDate: Date,
  ): Promise<{ uid: number }> {
    try {
      const r = await this.client.append(folder, body, [...flags], internalDate);
      if (!r) throw new Error('APPEND failed');
      return { uid: r.uid ?? 0 };
    } catch (e) {
      this.fail(e, folder);
    }
  }

  private async select(folder: string, readOnly: boolean): Promise<void> {
    if (this.selected === folder && this.client.mailbox && this.client.mailbox.readOnly === readOnly) return;
    await this.client.mailboxOpen(folder, { readOnly });
    this.selected = folder;
  }

  async setFlags(folder: string, uid: number, flags: readonly string[]): Promise<void> {
    try {
      await this.select(folder, false);
      await this.client.messageFlagsSet(String(uid), [...flags], { uid: true });
    } catch (e) {
      this.fail(e, folder);
    }
  }

  async scan(folder: string, opts: { fromUid?: number; hash?: boolean } = {}): Promise<TargetMessage[]> {
    try {
      await this.select(folder, true);
      if (!this.client.mailbox || this.client.mailbox.exists === 0) return [];
      const from = opts.fromUid ?? 1;
      const out: TargetMessage[] = [];
      for await (const m of this.client.fetch(
        `${from}:*`,
        { uid: true, flags: true, internalDate: true, size: true },
        { uid: true },
      )) {
        if (m.uid < from) continue;
        out.push({
          uid: m.uid,
          size: m.size ?? 0,
          flags: normalizeFlags(m.flags ?? []),
          internalDate: m.internalDate instanceof Date ? m.internalDate : new Date(String(m.internalDate)),
        });
      }
      if (opts.hash) await this.hashAll(out);
      return out;
    } catch (e) {
      this.fail(e, folder);
    }
  }

  /** Bodies in ~8 MB batches, hashed and dropped: memory stays flat however big the folder. */
  private async hashAll(msgs: TargetMessage[]): Promise<void> {
    const byUid = new Map(msgs.map((m) => [m.uid, m]));
    let batch: number[] = [];
    let bytes = 0;
    const flush = async () => {
      if (!batch.length) return;
      for await (const m of this.client.fetch(batch.join(','), { uid: true, source: true }, { uid: true })) {
        const t = byUid.get(m.uid);
        if (t && m.source) t.sha256 = sha256(m.source);
      }
      batch = [];
      bytes = 0;
    };
    for (const m of msgs) {
      if (batch.length && (bytes + m.size > 8 << 20 || batch.length >= 500)) await flush();
      batch.push(m.uid);
      bytes += m.size;
    }
    await flush();
  }

  async close(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
  }
}
