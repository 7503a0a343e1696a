/**
 * One IMAP connection: reads framed commands, checks them against the state table,
 * runs the command's handler, and writes responses (buffered, with backpressure).
 * Per-session state is kept small on purpose — 10,000 idle sessions must fit in 1 GB —
 * so there are no per-session caches beyond the selected mailbox's UID list.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { CommandFramer, type FrameEvent } from '../../proto/imap/framer.js';
import { type ImapParseError, parseCommand, type RawCommand } from '../../proto/imap/tokens.js';
import type { StoreEvent } from '../../store/store.js';
import type { DaemonContext } from '../service.js';
import { capabilities } from './capabilities.js';
import { toTagged } from './errors.js';
import { OutQueue } from './out.js';
import type { Selected } from './selected.js';
import type { CommandHandler, ImapState, Tagged } from './types.js';

/** Before login a client gets only small literals (LOGIN with a literal password is fine). */
const PREAUTH_MAX_LITERAL = 16 * 1024;
const MAX_BAD_IN_A_ROW = 20;
const OUT_FLUSH_AT = 256 * 1024;
/**
 * Bulk output keeps being produced while up to this much waits in the socket's own
 * buffer; beyond it the session waits for 'drain'. Measured: 256 KiB and 1 MiB give the
 * same FETCH time here, so the smaller bound keeps a slow reader's memory low.
 */
const OUT_IN_FLIGHT = 256 * 1024;

export interface SessionHost {
  ctx: DaemonContext;
  handlers: ReadonlyMap<string, CommandHandler>;
  /** Counts a login; false when the user has too many sessions. */
  userEnter(user: string): boolean;
  userLeave(user: string): void;
  onClose(s: ImapSession): void;
}

export class ImapSession {
  readonly id = randomBytes(4).toString('hex');
  state: ImapState = 'not-authenticated';
  user?: string;
  selected?: Selected;
  /** CONDSTORE enabled (ENABLE, SELECT (CONDSTORE), or a CONDSTORE-only command). */
  condstore = false;
  authFailures = 0;
  idling?: () => void;
  /** Runs after the tagged response is written (STARTTLS upgrades the socket there). */
  afterTagged?: () => Promise<void>;
  private framer: CommandFramer;
  private events: FrameEvent[] = [];
  private wake?: () => void;
  private out = new OutQueue();
  private closed = false;
  private badInARow = 0;
  private unsubscribe?: () => void;

  constructor(
    private socket: Socket,
    readonly host: SessionHost,
    public secure: boolean,
    readonly remoteAddress: string,
  ) {
    this.framer = new CommandFramer(this.limits());
  }

  get ctx(): DaemonContext {
    return this.host.ctx;
  }

  get log() {
    return this.ctx.log;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  start(): void {
    this.attach(this.socket);
    this.send(`* OK [CAPABILITY ${capabilities(this)}] ${this.ctx.config.hostname} mailctl IMAP4rev1 ready`);
    void this.flush();
    this.loop().catch((e) => {
      this.log.error({ session: this.id, err: (e as Error).message }, 'imap session failed');
      this.close();
    });
  }

  private limits() {
    const c = this.ctx.config.imap;
    return {
      maxLine: c.max_line,
      maxLiteral:
        this.state === 'not-authenticated' ? Math.min(PREAUTH_MAX_LITERAL, c.max_literal) : c.max_literal,
    };
  }

  private readonly onData = (chunk: Buffer) => {
    for (const ev of this.framer.push(chunk)) {
      if (ev.type === 'continue') {
        this.socket.write('+ Ready for literal data\r\n');
        continue;
      }
      this.events.push(ev);
    }
    if (this.events.length > 32) this.socket.pause();
    this.wake?.();
  };

  private attach(sock: Socket): void {
    sock.on('data', this.onData);
    sock.on('error', (e) => this.log.debug({ session: this.id, err: e.message }, 'imap socket error'));
    sock.once('close', () => this.close());
    sock.setTimeout(this.ctx.config.imap.idle_timeout);
    sock.on('timeout', () => {
      this.send('* BYE Autologout; idle for too long');
      void this.flush().finally(() => this.close());
    });
  }

  /** The next framed event, waiting for the client if needed; undefined when closed. */
  async next(): Promise<FrameEvent | undefined> {
    while (this.events.length === 0) {
      if (this.closed) return undefined;
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
    const ev = this.events.shift();
    if (this.events.length < 8 && this.socket.isPaused()) this.socket.resume();
    return ev;
  }

  /** A continuation line from the client (AUTHENTICATE responses, IDLE's DONE). */
  async readLine(): Promise<Buffer | undefined> {
    const ev = await this.next();
    if (!ev) return undefined;
    if (ev.type === 'error') return Buffer.alloc(0);
    return ev.type === 'command' ? ev.data : Buffer.alloc(0);
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const ev = await this.next();
      if (!ev) return;
      if (ev.type === 'error') {
        if (ev.reason === 'literal-too-large') {
          this.send(
            ev.fatal
              ? '* BYE literal larger than the server accepts'
              : `${ev.tag} NO [TOOBIG] literal larger than the server accepts (${this.ctx.config.imap.max_literal} bytes)`,
          );
        } else this.send(`${ev.tag} BAD command line too long`);
        await this.flush();
        if (ev.type === 'error' && ev.fatal) return this.close();
        if (this.countBad()) return;
        continue;
      }
      if (ev.type === 'command') await this.execute(ev.data);
    }
  }

  /** Counts a BAD; too many in a row is abuse: log it and hang up. */
  private countBad(): boolean {
    if (++this.badInARow < MAX_BAD_IN_A_ROW) return false;
    this.ctx.events.emit('protocol-abuse', { service: 'imap', ip: this.remoteAddress, session: this.id });
    this.send('* BYE too many invalid commands');
    void this.flush().finally(() => this.close());
    return true;
  }

  private async execute(data: Buffer): Promise<void> {
    let cmd: RawCommand;
    try {
      cmd = parseCommand(data);
    } catch (e) {
      const err = e as ImapParseError;
      this.send(`${err.tag ?? '*'} BAD ${err.message}`);
      await this.flush();
      this.countBad();
      return;
    }
    // Bring the selected mailbox up to date first, so the command sees current data.
    await this.syncAfter(cmd);
    const result = await this.dispatch(cmd);
    if (result.status === 'BAD') {
      if (this.countBad()) return;
    } else this.badInARow = 0;
    if (this.closed) return;
    await this.syncAfter(cmd);
    const code = result.code ? `[${result.code}] ` : '';
    this.send(`${cmd.tag} ${result.status} ${code}${result.text}`);
    await this.flush();
    const after = this.afterTagged;
    this.afterTagged = undefined;
    if (after) await after();
    if (this.state === 'logout') this.close();
  }

  private async dispatch(cmd: RawCommand): Promise<Tagged> {
    const h = this.host.handlers.get(cmd.name);
    if (!h || (cmd.uid && !h.uid))
      return { status: 'BAD', text: `unknown command ${cmd.uid ? 'UID ' : ''}${cmd.name}` };
    if (!h.states.includes(this.state)) {
      const why =
        this.state === 'not-authenticated'
          ? 'log in first'
          : this.state === 'authenticated'
            ? 'select a mailbox first'
            : 'not valid now';
      return { status: 'BAD', text: `${cmd.name} not allowed in this state: ${why}` };
    }
    try {
      return await h.run(this, cmd);
    } catch (e) {
      return toTagged(e, this);
    }
  }

  /** Untagged updates for the selected mailbox; EXPUNGE is withheld during FETCH/STORE/SEARCH (RFC 3501 7.4.1). */
  private async syncAfter(cmd: RawCommand): Promise<void> {
    if (!this.selected?.dirty) return;
    const noExpunge = !cmd.uid && (cmd.name === 'FETCH' || cmd.name === 'STORE' || cmd.name === 'SEARCH');
    await this.selected.sync(this, { expunge: !noExpunge });
  }

  /** Called when login succeeded. */
  authenticated(user: string): void {
    this.user = user;
    this.state = 'authenticated';
    this.framer.setLimits(this.limits());
    this.unsubscribe = this.ctx.store.changes.subscribe(user, (e) => this.onStoreEvent(e));
  }

  private onStoreEvent(e: StoreEvent): void {
    const sel = this.selected;
    if (!sel || e.type === 'folders' || e.ref.folder !== sel.folder) return;
    sel.dirty = true;
    this.idling?.();
  }

  /** Queues an untagged or tagged line (binary string: one char per byte). */
  send(line: string): void {
    this.out.text(`${line}\r\n`);
  }

  /** Queues raw wire text that already ends in CRLF (batches of FETCH lines). */
  sendRaw(text: string): void {
    this.out.text(text);
  }

  /** Queues bytes; `transient` when b will be overwritten after this call (it is copied). */
  push(b: Buffer, transient = false): void {
    this.out.bytes(b, transient);
  }

  /** Writes what is queued when enough has piled up; waits for the socket to drain. */
  async maybeFlush(): Promise<void> {
    if (this.out.length >= OUT_FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.out.length === 0 || this.closed) {
      this.out.clear();
      return;
    }
    const chunks = this.out.take();
    const sock = this.socket;
    if (chunks.length === 1) sock.write(chunks[0]);
    else {
      // One writev for the batch instead of a concatenating copy.
      sock.cork();
      for (const c of chunks) sock.write(c);
      sock.uncork();
    }
    if (sock.writableLength <= OUT_IN_FLIGHT) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** STARTTLS: after the tagged OK, wrap the socket; anything the client pipelined in plaintext is dropped. */
  async startTls(): Promise<void> {
    const raw = this.socket;
    raw.off('data', this.onData);
    raw.removeAllListeners('timeout');
    raw.setTimeout(0);
    this.events = [];
    this.framer = new CommandFramer(this.limits());
    const secure = new TLSSocket(raw, { isServer: true, ...this.ctx.tls.serverOptions() });
    this.socket = secure;
    this.secure = true;
    this.attach(secure);
    await new Promise<void>((resolve) => {
      secure.once('secure', () => resolve());
      secure.once('error', () => {
        this.close();
        resolve();
      });
      secure.once('close', () => resolve());
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'logout';
    this.unsubscribe?.();
    this.selected?.close();
    this.selected = undefined;
    if (this.user) this.host.userLeave(this.user);
    this.user = undefined;
    this.wake?.();
    this.idling?.();
    this.socket.end();
    this.socket.destroySoon?.();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.host.onClose(this);
  }
}
