/**
 * The Maildir++ Store. Layout: DATA_DIR/mail/<domain>/<localpart>/Maildir, INBOX at the
 * root, other folders as ".Name" directories (see names.ts), readable by Dovecot 2.3 with
 * mail_location = maildir:…/Maildir. Locking: lock.ts; per-folder state: folder.ts.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { MailctlError } from '../../errors.js';
import { LocalChangeBus } from '../changes.js';
import type {
  ChangeBus,
  Delivered,
  DeliverOptions,
  FolderInfo,
  MailboxLock,
  MailboxRef,
  MailboxView,
  QuotaUsage,
  Store,
  StoreEvent,
} from '../store.js';
import { copyInto, deliverInto } from './deliver.js';
import type { Entry } from './entry.js';
import { FolderState } from './folder.js';
import * as tree from './folders.js';
import { lockMailbox } from './mailbox-lock.js';
import { checkFolderName, folderPath, isInbox, userParts } from './names.js';
import { flushLater, numberFile } from './numbering.js';
import { QuotaFile } from './quota.js';
import { MaildirView } from './view.js';

export interface MaildirStoreOptions {
  mailRoot: string;
  fsync: boolean;
  /** Quota limit in bytes for a user (0 = unlimited). */
  quotaLimit(user: string): Promise<number>;
}

export class MaildirStore implements Store {
  readonly changes: ChangeBus = new LocalChangeBus();
  private states = new Map<string, FolderState>();
  private quotas = new Map<string, QuotaFile>();
  private ensured = new Set<string>();
  /** Folder directories known to exist (saves a stat per delivery). */
  private present = new Set<string>();

  constructor(readonly opts: MaildirStoreOptions) {}

  /** The Maildir root of a user. */
  userRoot(user: string): string {
    const { domain, local } = userParts(user);
    return join(this.opts.mailRoot, domain, local, 'Maildir');
  }

  /** Shared per-process state of one folder (created lazily). */
  state(ref: MailboxRef): FolderState {
    const dir = folderPath(this.userRoot(ref.user), ref.folder);
    let s = this.states.get(dir);
    if (!s) {
      s = new FolderState(dir, this.opts.fsync);
      this.states.set(dir, s);
    }
    return s;
  }

  quotaFile(user: string): QuotaFile {
    const root = this.userRoot(user);
    let q = this.quotas.get(root);
    if (!q) {
      q = new QuotaFile(root);
      this.quotas.set(root, q);
    }
    return q;
  }

  /** (user, folder) → state for folders known to exist: no name parsing on the hot path. */
  private resolved = new Map<string, FolderState>();

  private async requireFolder(ref: MailboxRef): Promise<FolderState> {
    const key = `${ref.user}\u0000${ref.folder}`;
    const hit = this.resolved.get(key);
    if (hit) return hit;
    const st = await this.resolveFolder(ref);
    this.resolved.set(key, st);
    return st;
  }

  private async resolveFolder(ref: MailboxRef): Promise<FolderState> {
    const folder = checkFolderName(ref.folder);
    const root = this.userRoot(ref.user);
    const dir = folderPath(root, folder);
    if (this.present.has(dir)) return this.state({ user: ref.user, folder });
    if (folder === 'INBOX') {
      await tree.makeMaildir(root, false);
    } else if (!(await tree.folderExists(root, folder))) {
      throw new MailctlError('not-found', `no folder ${JSON.stringify(folder)}`, {
        where: `${ref.user} ${folder}`,
        hint: 'create it first (IMAP CREATE)',
      });
    }
    this.present.add(dir);
    return this.state({ user: ref.user, folder });
  }

  async deliver(
    to: readonly MailboxRef[],
    body: Readable | Buffer,
    opts: DeliverOptions,
  ): Promise<Delivered[]> {
    // Until we iterate the body, an 'error' on it must not become an uncaught exception;
    // the iteration in writeBody still sees the error.
    if (!Buffer.isBuffer(body)) body.on('error', noop);
    if (to.length === 0) throw new MailctlError('invalid-input', 'deliver() needs at least one mailbox');
    const targets: { ref: MailboxRef; state: FolderState }[] = [];
    const seen = new Set<FolderState>();
    for (const ref of to) {
      const state = await this.requireFolder(ref);
      if (seen.has(state)) continue;
      seen.add(state);
      targets.push({ ref: { user: ref.user, folder: checkFolderName(ref.folder) }, state });
    }
    const delivered = await deliverInto(this, targets, body, opts);
    for (const d of delivered) this.changes.publish({ type: 'delivered', ref: d.ref, uid: d.uid });
    return delivered;
  }

  async uidsOf(ref: MailboxRef, ids: readonly string[]): Promise<number[]> {
    const state = await this.requireFolder(ref);
    // An empty name is a barrier: it joins the waiting background batch and runs it now.
    await numberFile(state, '');
    return ids.map((id) => {
      // a lean folder remembers the last RECENT_UIDS it numbered; beyond that, the whole index
      const uid = state.uidlist.takeUid(id) ?? state.uidlist.index().get(id);
      if (!uid)
        throw new MailctlError('bug', `message ${id} has no UID after numbering`, {
          where: `${ref.user} ${ref.folder}`,
        });
      return uid;
    });
  }

  async uidStatus(ref: MailboxRef): Promise<{ uidValidity: number; uidNext: number }> {
    const state = await this.requireFolder(ref);
    await state.ensureUidlist();
    return { uidValidity: state.uidValidity, uidNext: state.uidNext };
  }

  folderGone(ref: MailboxRef): Error {
    this.forget(folderPath(this.userRoot(ref.user), ref.folder));
    return new MailctlError('not-found', `folder ${JSON.stringify(ref.folder)} no longer exists`, {
      where: `${ref.user} ${ref.folder}`,
    });
  }

  /** Refuses when the user is already at or over quota (before reading a byte). */
  async checkQuota(user: string, adding: number): Promise<void> {
    const limit = await this.opts.quotaLimit(user);
    if (limit <= 0) return;
    const used = await this.quotaFile(user).usage(limit);
    if (used.bytes + adding > limit || (adding === 0 && used.bytes >= limit)) {
      throw new MailctlError(
        'quota',
        `mailbox of ${user} is over quota (${used.bytes + adding} > ${limit} bytes)`,
        {
          where: user,
          hint: 'the user must delete mail, or raise the quota: mailctl accounts quota …',
        },
      );
    }
  }

  async open(ref: MailboxRef, opts: { readOnly?: boolean } = {}): Promise<MailboxView> {
    const state = await this.requireFolder(ref);
    const view = new MaildirView(
      { user: ref.user, folder: checkFolderName(ref.folder) },
      state,
      this.viewHost(),
      opts.readOnly ?? false,
    );
    await view.init();
    return view;
  }

  private viewHost() {
    return {
      copyEntries: (ref: MailboxRef, entries: readonly Entry[], folder: string) =>
        this.copyEntries(ref, entries, folder),
      removed: (ref: MailboxRef, bytes: number, count: number) =>
        this.quotaFile(ref.user).add(-bytes, -count),
      publish: (e: StoreEvent) => this.changes.publish(e),
    };
  }

  private async copyEntries(from: MailboxRef, entries: readonly Entry[], folder: string) {
    const to = { user: from.user, folder: checkFolderName(folder) };
    const state = await this.requireFolder(to);
    const total = entries.reduce((n, e) => n + e.size, 0);
    await this.checkQuota(from.user, total);
    const uids = await copyInto(this, to, state, entries);
    if (!state.uidlist.loaded) state.uidlist.refresh();
    for (const uid of uids) this.changes.publish({ type: 'delivered', ref: to, uid });
    return { uidValidity: state.uidValidity, uids };
  }

  async listFolders(user: string): Promise<FolderInfo[]> {
    return tree.describeFolders(this.userRoot(user));
  }

  async createFolder(user: string, folder: string, specialUse?: string): Promise<void> {
    const name = checkFolderName(folder);
    const root = this.userRoot(user);
    if (name === 'INBOX' || (await tree.folderExists(root, name))) {
      throw new MailctlError('exists', `folder ${JSON.stringify(name)} already exists`, { where: user });
    }
    await tree.makeMaildir(root, false);
    await tree.makeMaildir(folderPath(root, name), true);
    if (specialUse) await tree.writeSpecialUse(root, (m) => void m.set(name, specialUse), this.opts.fsync);
    this.changes.publish({ type: 'folders', user });
  }

  async deleteFolder(user: string, folder: string): Promise<void> {
    const name = checkFolderName(folder);
    if (name === 'INBOX') throw new MailctlError('invalid-input', 'INBOX cannot be deleted', { where: user });
    const root = this.userRoot(user);
    if (!(await tree.folderExists(root, name))) {
      throw new MailctlError('not-found', `no folder ${JSON.stringify(name)}`, { where: user });
    }
    const dir = folderPath(root, name);
    // Rename into tmp/ first: atomic for readers (Dovecot included), then remove at leisure.
    const trash = join(
      root,
      'tmp',
      `deleted.${Date.now()}.${process.pid}.${Math.random().toString(36).slice(2)}`,
    );
    await fsp.rename(dir, trash);
    this.forget(dir);
    await fsp.rm(trash, { recursive: true, force: true });
    await fsp.unlink(this.quotaFile(user).path).catch(() => undefined); // recalculated next time
    this.quotaFile(user).invalidate();
    await tree.writeSpecialUse(root, (m) => void m.delete(name), this.opts.fsync);
    this.changes.publish({ type: 'folders', user });
  }

  async renameFolder(user: string, from: string, to: string): Promise<void> {
    const src = checkFolderName(from);
    const dst = checkFolderName(to);
    const root = this.userRoot(user);
    if (dst === 'INBOX' || (await tree.folderExists(root, dst))) {
      throw new MailctlError('exists', `folder ${JSON.stringify(dst)} already exists`, { where: user });
    }
    if (src === 'INBOX') {
      await this.renameInbox(user, dst);
      return;
    }
    for (const dir of await tree.renameTree(root, src, dst, this.opts.fsync)) this.forget(dir);
    this.changes.publish({ type: 'folders', user });
  }

  /** RFC 3501: renaming INBOX moves its messages to the new folder and leaves INBOX empty. */
  private async renameInbox(user: string, dst: string): Promise<void> {
    await this.createFolder(user, dst);
    const view = await this.open({ user, folder: 'INBOX' });
    const uids = view.messages().map((m) => m.uid);
    await view.copyTo(uids, dst);
    await view.expunge(uids);
    view.close();
  }

  async subscribe(user: string, folder: string, on: boolean): Promise<void> {
    const name = checkFolderName(folder);
    const root = this.userRoot(user);
    await tree.makeMaildir(root, false);
    await tree.writeSubscriptions(
      root,
      (s) => (on ? [...s, name] : s.filter((x) => x !== name)),
      this.opts.fsync,
    );
  }

  async ensureUser(user: string): Promise<void> {
    if (this.ensured.has(user)) return;
    if (await tree.ensureTree(this.userRoot(user), this.opts.fsync))
      this.changes.publish({ type: 'folders', user });
    this.ensured.add(user);
  }

  async quota(user: string): Promise<QuotaUsage> {
    const limit = await this.opts.quotaLimit(user);
    const u = await this.quotaFile(user).usage(limit);
    return { usedBytes: u.bytes, messages: u.messages, limitBytes: limit };
  }

  private forget(dir: string): void {
    this.states.delete(dir);
    this.present.delete(dir);
    for (const [k, st] of this.resolved) if (st.dir === dir) this.resolved.delete(k);
  }

  async lockMailbox(ref: MailboxRef, opts: { staleMs: number }): Promise<MailboxLock | undefined> {
    const state = await this.requireFolder(ref);
    return lockMailbox(state.dir, opts.staleMs);
  }

  /** Writes pending caches (background UIDs, modseq) now; for shutdown and tests. */
  async flush(): Promise<void> {
    await flushLater();
    await Promise.all([...this.states.values()].map((s) => s.modseqs.flush().catch(() => undefined)));
  }
}

export { isInbox };

function noop(): void {}
