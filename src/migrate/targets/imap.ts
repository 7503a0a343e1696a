/**
 * Any IMAP server as the target, over the lean pipelined client (wire/): CREATE/SUBSCRIBE
 * folders, APPEND with flags and INTERNALDATE (UIDPLUS gives the new UIDs for the
 * journal), STORE FLAGS on re-runs, and scans that hash bodies as they stream.
 *
 * Batches go as one MULTIAPPEND (RFC 3502) when the server has it: one command, one
 * transaction at the server (all or nothing, so a crash leaves no half batch), literals
 * sent without waiting (LITERAL+). A refused batch is retried message by message so
 * that only the message at fault is reported.
 */
import { formatDateTime } from '../../proto/imap/args.js';
import { sha256 } from '../hash.js';
import { imapError } from '../imap-connect.js';
import { normalizeFlags } from '../names.js';
import type { AppendItem, AppendResult, Target, TargetFolderState, TargetMessage } from '../types.js';
import { CommandError, type Part, type WireConn } from '../wire/conn.js';
import {
  fetchBodies,
  fetchMeta,
  listFolders,
  mailboxArg,
  select,
  specialUseOf,
  status,
  toWireName,
  type WireFolder,
} from '../wire/mailbox.js';
import { expandSet } from '../wire/parse.js';

export class ImapTarget implements Target {
  readonly kind = 'imap' as const;
  private selected = '';
  private selectedReadOnly = false;
  private listed?: WireFolder[];

  constructor(
    readonly user: string,
    private readonly conn: WireConn,
    private readonly where: string,
    readonly delimiter: string,
  ) {}

  static async open(user: string, conn: WireConn, where: string): Promise<ImapTarget> {
    try {
      const list = await listFolders(conn);
      const inbox = list.find((f) => f.name === 'INBOX');
      const t = new ImapTarget(user, conn, where, inbox?.delimiter || list[0]?.delimiter || '/');
      t.listed = list;
      return t;
    } catch (e) {
      conn.close();
      throw imapError(e, where);
    }
  }

  private fail(e: unknown, folder?: string): never {
    throw imapError(e, `${this.where}${folder ? ` ${folder}` : ''}`);
  }

  async folders(): Promise<{ name: string; specialUse?: string }[]> {
    try {
      // the LIST made when opening serves the first call (folders are listed once per run)
      const list = this.listed ?? (await listFolders(this.conn));
      this.listed = undefined;
      return list.map((f) => ({
        name: f.name,
        specialUse: specialUseOf(f.attrs),
      }));
    } catch (e) {
      this.fail(e);
    }
  }

  async ensureFolder(name: string, opts: { specialUse?: string; subscribed: boolean }): Promise<void> {
    if (name === 'INBOX') return;
    const box = mailboxArg(toWireName(name));
    try {
      await this.conn.command(['CREATE ', box]);
    } catch (e) {
      const code = e instanceof CommandError ? (e.serverResponseCode ?? '') : '';
      if (code !== 'ALREADYEXISTS' && !/exists/i.test(e instanceof CommandError ? e.responseText : ''))
        this.fail(e, name);
    }
    try {
      if (opts.subscribed) await this.conn.command(['SUBSCRIBE ', box]);
    } catch (e) {
      this.fail(e, name);
    }
  }

  async state(folder: string): Promise<TargetFolderState> {
    try {
      const s = await status(this.conn, toWireName(folder));
      return { uidValidity: s.uidValidity, uidNext: s.uidNext || 1 };
    } catch (e) {
      this.fail(e, folder);
    }
  }

  private appendParts(m: AppendItem): Part[] {
    return [` (${m.flags.join(' ')}) "${formatDateTime(m.internalDate)}" `, { literal: m.body }];
  }

  async append(
    folder: string,
    body: Buffer,
    flags: readonly string[],
    internalDate: Date,
  ): Promise<{ uid: number }> {
    try {
      const r = await this.conn.command([
        'APPEND ',
        mailboxArg(toWireName(folder)),
        ...this.appendParts({ body, flags, internalDate }),
      ]);
      return { uid: r.code?.[0] === 'APPENDUID' ? Number(r.code[2]) : 0 };
    } catch (e) {
      this.fail(e, folder);
    }
  }

  async appendBatch(folder: string, msgs: readonly AppendItem[]): Promise<AppendResult[]> {
    const box = mailboxArg(toWireName(folder));
    if (msgs.length > 1 && this.conn.caps.has('MULTIAPPEND')) {
      try {
        const r = await this.conn.command(['APPEND ', box, ...msgs.flatMap((m) => this.appendParts(m))]);
        const uids = r.code?.[0] === 'APPENDUID' ? expandSet(r.code[2] ?? '') : [];
        return msgs.map((_, i) => ({ uid: uids[i] ?? 0 }));
      } catch (e) {
        // the server refused the whole batch (and stored none of it): find the culprit
        if (!(e instanceof CommandError)) this.fail(e, folder);
      }
    }
    const singles = msgs.map((m) =>
      this.conn.command(['APPEND ', box, ...this.appendParts(m)]).then(
        (r): AppendResult => ({ uid: r.code?.[0] === 'APPENDUID' ? Number(r.code[2]) : 0 }),
        (e): AppendResult => {
          if (!(e instanceof CommandError)) throw imapError(e, `${this.where} ${folder}`);
          return { error: imapError(e, `${this.where} ${folder}`) };
        },
      ),
    );
    return Promise.all(singles);
  }

  private async select(folder: string, readOnly: boolean): Promise<number> {
    const s = await select(this.conn, toWireName(folder), readOnly);
    this.selected = folder;
    this.selectedReadOnly = readOnly;
    return s.exists;
  }

  async setFlags(folder: string, uid: number, flags: readonly string[]): Promise<void> {
    await this.setFlagsMany(folder, [{ uid, flags }]);
  }

  async setFlagsMany(
    folder: string,
    updates: readonly { uid: number; flags: readonly string[] }[],
  ): Promise<void> {
    if (!updates.length) return;
    try {
      if (this.selected !== folder || this.selectedReadOnly) await this.select(folder, false);
      await Promise.all(
        updates.map((u) => this.conn.command([`UID STORE ${u.uid} FLAGS.SILENT (${u.flags.join(' ')})`])),
      );
    } catch (e) {
      this.fail(e, folder);
    }
  }

  async scan(
    folder: string,
    opts: { fromUid?: number; hash?: boolean; hashUids?: ReadonlySet<number> } = {},
  ): Promise<TargetMessage[]> {
    try {
      const exists = await this.select(folder, true);
      if (exists === 0) return [];
      const from = opts.fromUid ?? 1;
      const out: TargetMessage[] = [];
      for (const m of await fetchMeta(this.conn, `${from}:*`, 'UID FLAGS INTERNALDATE RFC822.SIZE')) {
        if (m.uid < from) continue;
        out.push({
          uid: m.uid,
          size: m.size ?? 0,
          flags: normalizeFlags(m.flags),
          internalDate: m.internalDate ?? new Date(0),
        });
      }
      if (opts.hash) {
        const byUid = new Map(out.map((m) => [m.uid, m]));
        const want = out.map((m) => m.uid).filter((u) => !opts.hashUids || opts.hashUids.has(u));
        for await (const b of fetchBodies(this.conn, want)) {
          const t = byUid.get(b.uid);
          if (t) t.sha256 = sha256(b.body);
        }
      }
      return out;
    } catch (e) {
      this.fail(e, folder);
    }
  }

  async close(): Promise<void> {
    await this.conn.logout();
  }
}
