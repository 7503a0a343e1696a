/**
 * The durable outbound spool: message bytes in reusable segment files (see segments.ts for
 * why not one file per message), metadata in SQLite (WAL, synchronous=FULL) at
 * data_dir/queue/queue.sqlite. `enqueue` resolves after the bytes are fdatasynced AND the
 * row is committed, so a 250 is only ever given for mail that survives kill -9 or power loss.
 *
 * The daemon owns the segments; `mailctl queue` opens the same files to list, hold, retry
 * and delete (SQLite rows only), so both may run at once.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { BugError, MailctlError } from '../../errors.js';
import { GroupCommit } from './group-commit.js';
import { WriterLock } from './lock.js';
import type { EnqueueRequest, OutboundQueue, QueuedMessage, QueuedRecipient } from './queue.js';
import { Segments } from './segments.js';
import { type MessageRow, migrate, type RecipientRow } from './spool-schema.js';

export type { MessageRow, RecipientRow };

export interface AttemptResult {
  rcpt: string;
  status: 'delivered' | 'failed' | 'deferred';
  error?: string;
}

function newId(): string {
  // Sortable by time, unique without coordination; short enough to type in `mailctl queue show`.
  return (Date.now().toString(36) + randomBytes(5).toString('hex')).toUpperCase();
}

export class Spool extends EventEmitter implements OutboundQueue {
  readonly db: Database.Database;
  readonly segments: Segments;
  private readonly commits: GroupCommit;

  /** Runs `work` (synchronous statements) in a transaction shared with other commits of this loop turn. */
  commit(work: () => void): Promise<void> {
    return this.commits.run(work);
  }

  private readonly lock?: WriterLock;

  /** Whether this process holds the writer lock (may append to segments). */
  get writable(): boolean {
    return this.lock !== undefined;
  }

  /**
   * `readOnly` (the CLI) changes rows but never writes segments, so it takes no writer
   * lock; `segmentCap` is for tests (production segments are SEGMENT_CAP bytes).
   */
  constructor(
    readonly dir: string,
    opts: { segmentCap?: number; readOnly?: boolean } = {},
  ) {
    super();
    mkdirSync(dir, { recursive: true });
    if (!opts.readOnly) this.lock = WriterLock.acquire(dir);
    const file = join(dir, 'queue.sqlite');
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db);
    } catch (e) {
      this.lock?.release();
      throw new MailctlError('storage', `cannot open the queue database: ${(e as Error).message}`, {
        where: file,
        hint: 'check permissions of data_dir/queue; another program may hold a lock on it',
        cause: e,
      });
    }
    const count = this.db.prepare('SELECT count(*) AS n FROM messages WHERE seg = ?').pluck();
    const end = this.db.prepare('SELECT max(off + len) FROM messages WHERE seg = ?').pluck();
    this.commits = new GroupCommit(this.db);
    this.segments = new Segments(
      dir,
      {
        liveCount: (seg) => count.get(seg) as number,
        liveEnd: (seg) => (end.get(seg) as number | null) ?? undefined,
      },
      opts.segmentCap,
    );
  }

  async enqueue(req: EnqueueRequest, body: Readable): Promise<{ id: string; size: number }> {
    return this.enqueueWith(req, body, () => undefined);
  }

  /**
   * Enqueue plus extra statements committed in the same transaction (a DSN replacing the
   * message it reports on: either both happen or neither).
   */
  async enqueueWith(
    req: EnqueueRequest,
    body: Readable | Buffer,
    inTx: () => void,
  ): Promise<{ id: string; size: number }> {
    if (!this.writable) throw new BugError('enqueue on a read-only spool');
    const rcpts = [...new Set(req.recipients)];
    if (rcpts.length === 0) throw new MailctlError('invalid-input', 'a queued message needs a recipient');
    async function* chunks() {
      if (req.prepend) yield Buffer.from(req.prepend);
      if (Buffer.isBuffer(body)) yield body;
      else for await (const c of body) yield c as Buffer;
    }
    const w = await this.segments.append(chunks());
    const id = newId();
    const now = Date.now();
    let committed = false;
    try {
      await this.commits.run(() => {
        this.db
          .prepare(
            `INSERT INTO messages (id, seg, off, len, sender, created, next_attempt, dkim, session_id, auth_user)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            w.seg,
            w.off,
            w.len,
            req.sender,
            now,
            now,
            req.dkimSign ? 1 : 0,
            req.sessionId ?? null,
            req.authUser ?? null,
          );
        const ins = this.db.prepare('INSERT INTO recipients (msg_id, rcpt) VALUES (?, ?)');
        for (const r of rcpts) ins.run(id, r);
        inTx();
      });
      committed = true;
    } catch (e) {
      throw new MailctlError('storage', `cannot record the queued message: ${(e as Error).message}`, {
        where: join(this.dir, 'queue.sqlite'),
        cause: e,
      });
    } finally {
      this.segments.release(w, committed);
    }
    this.emit('enqueued', id);
    return { id, size: w.len };
  }

  row(id: string): MessageRow | undefined {
    return this.db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
  }

  recipientRows(id: string): RecipientRow[] {
    return this.db
      .prepare('SELECT * FROM recipients WHERE msg_id = ? ORDER BY rcpt')
      .all(id) as RecipientRow[];
  }

  /** Messages due now, not held, oldest first. */
  due(now: number, limit: number): MessageRow[] {
    return this.db
      .prepare('SELECT * FROM messages WHERE held = 0 AND next_attempt <= ? ORDER BY next_attempt LIMIT ?')
      .all(now, limit) as MessageRow[];
  }

  /** The next time anything not held becomes due (for the runner's timer). */
  nextDue(): number | undefined {
    const v = this.db.prepare('SELECT min(next_attempt) FROM messages WHERE held = 0').pluck().get();
    return (v as number | null) ?? undefined;
  }

  read(row: Pick<MessageRow, 'seg' | 'off' | 'len'>): Readable {
    return this.segments.read(row);
  }

  /** Records one delivery attempt's per-recipient outcome and when to try the rest again. */
  recordAttempt(id: string, results: AttemptResult[], nextAttempt: number, lastError?: string): void {
    this.db.transaction(() => this.applyAttempt(id, results, nextAttempt, lastError))();
  }

  /** The statements of recordAttempt, for use inside a larger transaction. */
  applyAttempt(id: string, results: AttemptResult[], nextAttempt: number, lastError?: string): void {
    const now = Date.now();
    const up = this.db.prepare(
      'UPDATE recipients SET status = ?, last_error = ?, updated = ? WHERE msg_id = ? AND rcpt = ?',
    );
    for (const r of results) up.run(r.status, r.error ?? null, now, id, r.rcpt);
    this.db
      .prepare('UPDATE messages SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ?')
      .run(nextAttempt, lastError ?? null, id);
  }

  /** Pushes a message's next attempt back without recording recipient outcomes. */
  postpone(id: string, nextAttempt: number, lastError: string): void {
    this.db
      .prepare('UPDATE messages SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ?')
      .run(nextAttempt, lastError, id);
  }

  /** nextDue, ignoring messages already being delivered. */
  nextDueExcept(ids: readonly string[]): number | undefined {
    if (ids.length === 0) return this.nextDue();
    const v = this.db
      .prepare(
        `SELECT min(next_attempt) FROM messages WHERE held = 0 AND id NOT IN (${ids.map(() => '?').join(',')})`,
      )
      .pluck()
      .get(...ids);
    return (v as number | null) ?? undefined;
  }

  markWarned(id: string): void {
    this.db.prepare('UPDATE messages SET warned = 1 WHERE id = ?').run(id);
  }

  /** Statements that drop a message and its recipients; used inside a transaction. */
  drop(id: string): void {
    this.db.prepare('DELETE FROM recipients WHERE msg_id = ?').run(id);
    this.db.prepare('DELETE FROM messages WHERE id = ?').run(id);
  }

  /** Drops a finished message; its segment becomes reusable once nothing else lives there. */
  finish(id: string): void {
    const seg = this.row(id)?.seg;
    this.db.transaction(() => this.drop(id))();
    if (seg !== undefined) this.segments.recycle(seg);
  }

  async list(): Promise<QueuedMessage[]> {
    const rows = this.db.prepare('SELECT * FROM messages ORDER BY created').all() as MessageRow[];
    const rc = this.db.prepare('SELECT * FROM recipients ORDER BY msg_id, rcpt').all() as RecipientRow[];
    const by = new Map<string, RecipientRow[]>();
    for (const r of rc) by.set(r.msg_id, [...(by.get(r.msg_id) ?? []), r]);
    return rows.map((r) => toQueued(r, by.get(r.id) ?? []));
  }

  async get(id: string): Promise<QueuedMessage | undefined> {
    const r = this.row(id);
    return r ? toQueued(r, this.recipientRows(id)) : undefined;
  }

  async retry(id?: string): Promise<number> {
    const now = Date.now();
    const n = id
      ? this.db.prepare('UPDATE messages SET next_attempt = ? WHERE id = ?').run(now, this.must(id)).changes
      : this.db.prepare('UPDATE messages SET next_attempt = ? WHERE held = 0').run(now).changes;
    this.emit('enqueued', id);
    return n;
  }

  async remove(id: string): Promise<void> {
    this.finish(this.must(id));
  }

  async hold(id: string): Promise<void> {
    this.db.prepare('UPDATE messages SET held = 1 WHERE id = ?').run(this.must(id));
  }

  async release(id: string): Promise<void> {
    this.db
      .prepare('UPDATE messages SET held = 0, next_attempt = ? WHERE id = ?')
      .run(Date.now(), this.must(id));
    this.emit('enqueued', id);
  }

  async close(): Promise<void> {
    await this.segments.close();
    if (this.db.open) this.db.close();
    this.lock?.release();
  }

  private must(id: string): string {
    if (!this.row(id)) {
      throw new MailctlError('not-found', `no queued message ${id}`, {
        where: this.dir,
        hint: '`mailctl queue list` shows the queued message ids',
      });
    }
    return id;
  }
}

function toQueued(r: MessageRow, rcpts: RecipientRow[]): QueuedMessage {
  return {
    id: r.id,
    sender: r.sender,
    recipients: rcpts.map(
      (x): QueuedRecipient => ({
        address: x.rcpt,
        status: x.status,
        ...(x.last_error ? { lastError: x.last_error } : {}),
      }),
    ),
    size: r.len,
    createdAt: new Date(r.created),
    held: r.held === 1,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt),
    ...(r.last_error ? { lastError: r.last_error } : {}),
  };
}
