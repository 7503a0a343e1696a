/**
 * A minimal SMTP client for probing a server from outside: read the banner, EHLO, send
 * one command at a time, upgrade with STARTTLS. Every read has a deadline; a reply that
 * is not SMTP is an error that says what came back. It never sends DATA.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface Reply {
  code: number;
  lines: string[];
}

export interface ProbeTarget {
  /** Name to verify the certificate against and to report. */
  host: string;
  /** Address actually connected to. */
  address: string;
  port: number;
}

export class ProbeError extends Error {}

export class SmtpConnection {
  private buf = '';
  private waiting: ((err?: Error) => void) | null = null;
  private closedWith: Error | null = null;
  private constructor(
    public socket: Socket | TLSSocket,
    private readonly timeoutMs: number,
    readonly where: string,
  ) {
    this.attach(socket);
  }

  /** Connects (optionally with implicit TLS) and reads the banner. */
  static async open(
    t: ProbeTarget,
    timeoutMs: number,
    tls?: ConnectionOptions,
  ): Promise<{ conn: SmtpConnection; banner: Reply }> {
    const where = `${t.address}:${t.port}`;
    const socket = await connectSocket(t, timeoutMs, tls);
    const conn = new SmtpConnection(socket, timeoutMs, where);
    try {
      const banner = await conn.read();
      return { conn, banner };
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  private attach(s: Socket): void {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    s.on('error', (e) => this.fail(new ProbeError(`${this.where}: ${e.message}`)));
    s.on('close', () => this.fail(new ProbeError(`${this.where} closed the connection`)));
  }

  private fail(e: Error): void {
    if (!this.closedWith) this.closedWith = e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  /** Reads one (possibly multi-line) reply. */
  async read(): Promise<Reply> {
    const deadline = Date.now() + this.timeoutMs;
    const lines: string[] = [];
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const line = this.buf.slice(0, nl).replace(/\r$/, '');
        this.buf = this.buf.slice(nl + 1);
        const m = /^(\d{3})([ -])(.*)$/.exec(line) ?? /^(\d{3})()$/.exec(line);
        if (!m) {
          throw new ProbeError(
            `${this.where} answered something that is not SMTP: ${JSON.stringify(line.slice(0, 80))}`,
          );
        }
        lines.push(m[3] ?? '');
        if (m[2] !== '-') return { code: Number(m[1]), lines };
        continue;
      }
      if (this.buf.length > 64 * 1024) throw new ProbeError(`${this.where} sent an over-long line`);
      if (this.closedWith) throw this.closedWith;
      const left = deadline - Date.now();
      if (left <= 0) throw new ProbeError(`${this.where} did not answer within ${this.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async command(line: string): Promise<Reply> {
    if (this.closedWith) throw this.closedWith;
    this.socket.write(`${line}\r\n`);
    return this.read();
  }

  /** EHLO; falls back to HELO when EHLO is refused. Returns the reply (extensions in lines[1..]). */
  async ehlo(name: string): Promise<Reply> {
    const r = await this.command(`EHLO ${name}`);
    if (r.code === 250) return r;
    if (r.code >= 500) {
      const h = await this.command(`HELO ${name}`);
      if (h.code === 250) return { code: 250, lines: [h.lines[0] ?? ''] };
    }
    throw new ProbeError(`${this.where} refused EHLO: ${r.code} ${r.lines.join(' ')}`);
  }

  /** STARTTLS; resolves with the TLS socket once the handshake is done (authorisation not enforced). */
  async starttls(tls: ConnectionOptions): Promise<TLSSocket> {
    const r = await this.command('STARTTLS');
    if (r.code !== 220)
      throw new ProbeError(`${this.where} refused STARTTLS: ${r.code} ${r.lines.join(' ')}`);
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = await handshake(() => tlsConnect({ ...tls, socket: plain }), this.timeoutMs, this.where);
    this.socket = secure;
    this.buf = '';
    this.attach(secure);
    return secure;
  }

  /** STARTTLS, then hand over the raw socket (for hand-made TLS hellos); this connection is done. */
  async detachForTls(): Promise<Socket> {
    const r = await this.command('STARTTLS');
    if (r.code !== 220)
      throw new ProbeError(`${this.where} refused STARTTLS: ${r.code} ${r.lines.join(' ')}`);
    this.socket.removeAllListeners('data');
    return this.socket;
  }

  /** QUIT politely, then drop the connection without waiting long. */
  close(): void {
    if (!this.closedWith && !this.socket.destroyed) {
      this.socket.end('QUIT\r\n');
      setTimeout(() => this.socket.destroy(), 200).unref();
    } else this.socket.destroy();
  }
}

export function extensions(ehlo: Reply): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of ehlo.lines.slice(1)) {
    const [k, ...rest] = l.trim().split(/\s+/);
    if (k) m.set(k.toUpperCase(), rest.join(' '));
  }
  return m;
}

export async function connectSocket(
  t: ProbeTarget,
  timeoutMs: number,
  tls?: ConnectionOptions,
): Promise<Socket> {
  const where = `${t.address}:${t.port}`;
  if (tls)
    return handshake(() => tlsConnect({ ...tls, host: t.address, port: t.port }).unref(), timeoutMs, where);
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: t.address, port: t.port });
    // Probe sockets never keep the process alive on their own: every wait on them has a
    // (referenced) deadline timer, and a socket forgotten after an error must not hang the CLI.
    s.unref();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ProbeError(`${where}: no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(new ProbeError(`${where}: ${e.message}`));
    });
  });
}

/** Runs a TLS handshake with a deadline. */
export function handshake(start: () => TLSSocket, timeoutMs: number, where: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = start();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ProbeError(`${where}: TLS handshake did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      s.destroy();
      reject(new ProbeError(`${where}: TLS handshake failed: ${e.message}`, { cause: e }));
    });
  });
}
