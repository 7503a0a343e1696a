/**
 * One POP3 connection: line framing with a length limit, the AUTHORIZATION → TRANSACTION →
 * UPDATE states of RFC 1939, STLS (RFC 2595) and the idle timeout. Commands are handled one
 * at a time in arrival order (PIPELINING). Every failure becomes "-ERR", never a crash.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import * as P from '../../proto/pop3.js';
import { MAX_COMMAND_LINE, parseCommand } from '../../proto/pop3.js';
import type { MailboxLock } from '../../store/store.js';
import type { DaemonContext } from '../service.js';
import { type AuthState, handleAuthCommand } from './auth.js';
import type { Maildrop } from './maildrop.js';
import { handleTransaction } from './transaction.js';

export interface Pop3Host {
  readonly ctx: DaemonContext;
  onClose(s: Pop3Session): void;
}

export type Pop3State = 'authorization' | 'transaction' | 'closed';

const MAX_ERRORS_IN_A_ROW = 20;
/** Queue marker for "the client sent a line over the limit" (cannot collide: lines have no NUL). */
const TOO_LONG = '\u0000too-long';

export class Pop3Session {
  readonly id = randomBytes(6).toString('hex');
  state: Pop3State = 'authorization';
  auth: AuthState = { failures: 0 };
  user?: string;
  maildrop?: Maildrop;
  lock?: MailboxLock;
  private buf = '';
  private queue: string[] = [];
  private busy = false;
  private errorsInARow = 0;
  /** A SASL exchange waiting for the client's next line. */
  continuation?: (line: string) => Promise<void>;

  constructor(
    public socket: Socket,
    readonly host: Pop3Host,
    public secure: boolean,
    readonly listener: string,
    readonly remoteAddress: string,
  ) {}

  get ctx(): DaemonContext {
    return this.host.ctx;
  }

  get log() {
    return this.ctx.log;
  }

  start(): void {
    this.attach(this.socket);
    this.send(P.ok('mailctl POP3 ready'));
  }

  private attach(sock: Socket): void {
    sock.setEncoding('latin1');
    sock.on('data', this.onData);
    sock.on('error', (e) => this.log.debug({ session: this.id, err: e.message }, 'pop3 socket error'));
    sock.on('close', () => void this.finish());
    sock.setTimeout(this.ctx.config.pop3.idle_timeout, () => {
      this.send(P.err('autologout: idle for too long'));
      this.close();
    });
  }

  private onData = (chunk: string): void => {
    this.buf += chunk;
    let tooLong = false;
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl < 0) break;
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      if (line.length > MAX_COMMAND_LINE) tooLong = true;
      if (tooLong) break;
      this.queue.push(line);
    }
    if (tooLong || this.buf.length > MAX_COMMAND_LINE) {
      // A client that sends such lines is not speaking POP3; answer the earlier commands first.
      this.queue.push(TOO_LONG);
      this.buf = '';
      this.socket.off('data', this.onData);
      void this.pump();
      return;
    }
    void this.pump();
  };

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && this.state !== 'closed') {
        const raw = this.queue.shift() as string;
        // Passwords and SASL data are sent as UTF-8; we read latin1 to keep byte counts exact.
        const line = Buffer.from(raw, 'latin1').toString('utf8');
        await this.lock?.touch();
        try {
          await this.handle(line);
        } catch (e) {
          this.log.error({ session: this.id, err: (e as Error).message }, 'pop3 command failed');
          this.send(P.err('internal error; try again later', 'SYS/TEMP'));
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async handle(line: string): Promise<void> {
    if (line === TOO_LONG) {
      this.send(P.err('line too long'));
      return this.close();
    }
    if (this.continuation) {
      const c = this.continuation;
      this.continuation = undefined;
      return c(line);
    }
    const cmd = parseCommand(line);
    if (!cmd.ok) return this.bad(cmd.error);
    this.errorsInARow = 0;
    if (cmd.verb === 'QUIT') return this.quit();
    if (cmd.verb === 'NOOP' && this.state === 'transaction') return this.send(P.ok());
    if (cmd.verb === 'CAPA') return this.send(P.multiline('Capability list follows', this.capa()));
    if (cmd.verb === 'STLS') return this.stls();
    if (this.state === 'authorization') return handleAuthCommand(this, cmd);
    return handleTransaction(this, cmd);
  }

  bad(text: string): void {
    this.send(P.err(text));
    if (++this.errorsInARow >= MAX_ERRORS_IN_A_ROW) {
      this.send(P.err('too many errors'));
      this.close();
    }
  }

  capa(): string[] {
    return P.capaLines({
      tls: this.secure,
      canStls: this.listener === 'pop3' && this.state === 'authorization',
      plaintextAllowed: this.state === 'authorization' && this.plaintextAllowed(),
    });
  }

  plaintextAllowed(): boolean {
    return this.secure || this.ctx.config.pop3.allow_plaintext_login;
  }

  private async stls(): Promise<void> {
    if (this.secure || this.state !== 'authorization') return this.bad('STLS not available now');
    this.send(P.ok('Begin TLS negotiation'));
    const raw = this.socket;
    raw.off('data', this.onData);
    raw.removeAllListeners('timeout');
    raw.removeAllListeners('close');
    raw.setTimeout(0);
    this.buf = '';
    this.queue = []; // RFC 2595: anything pipelined after STLS is discarded
    const secure = new TLSSocket(raw, { isServer: true, ...this.ctx.tls.serverOptions() });
    this.socket = secure;
    this.secure = true;
    this.auth = { failures: this.auth.failures };
    secure.once('secure', () => this.attach(secure));
    secure.once('error', () => this.close());
    raw.once('close', () => void this.finish());
  }

  private async quit(): Promise<void> {
    if (this.state === 'transaction' && this.maildrop) {
      try {
        const n = await this.maildrop.commit();
        this.send(P.ok(`bye (${n} message${n === 1 ? '' : 's'} deleted)`));
      } catch (e) {
        this.log.error({ session: this.id, err: (e as Error).message }, 'pop3 update failed');
        this.send(P.err('some deleted messages were not removed', 'SYS/TEMP'));
      }
    } else {
      this.send(P.ok('bye'));
    }
    this.close();
  }

  send(text: string | Buffer): void {
    this.write(text);
  }

  /** Writes; false when the socket wants a drain() before more. */
  write(data: string | Buffer): boolean {
    if (this.state === 'closed' || this.socket.destroyed) return false;
    return this.socket.write(data);
  }

  /** Waits until the socket can take more data (RETR of large messages). */
  async drain(): Promise<void> {
    if (this.socket.destroyed || !this.socket.writableNeedDrain) return;
    await new Promise<void>((r) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        r();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  close(): void {
    if (this.state === 'closed') return;
    this.socket.end();
    void this.finish();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Releases the maildrop without applying deletions (a dropped connection is not QUIT). */
  private async finish(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.maildrop?.close();
    this.maildrop = undefined;
    await this.lock?.release();
    this.lock = undefined;
    this.host.onClose(this);
  }
}
