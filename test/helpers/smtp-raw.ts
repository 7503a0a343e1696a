/**
 * A raw SMTP client for protocol tests: send exact bytes, read whole replies (multi-line
 * aware), upgrade with STARTTLS, see when the server hangs up. No retries, no cleverness:
 * the point is to see precisely what the server says.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface SmtpReply {
  code: number;
  lines: string[];
  /** All lines joined with \n, for regex assertions. */
  text: string;
}

export class RawSmtp {
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;
  readonly ended: Promise<void>;
  private endResolve!: () => void;

  private constructor(private sock: Socket | TLSSocket) {
    this.ended = new Promise((r) => {
      this.endResolve = r;
    });
    this.attach(sock);
  }

  private attach(sock: Socket | TLSSocket): void {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.wake();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.closed = true;
      this.endResolve();
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async open(
    port: number,
    opts: { tls?: boolean; ca?: string; host?: string } = {},
  ): Promise<RawSmtp> {
    const host = opts.host ?? '127.0.0.1';
    const sock = opts.tls
      ? tlsConnect({ host, port, ca: opts.ca, servername: 'localhost' })
      : netConnect({ host, port });
    await new Promise<void>((resolve, reject) => {
      sock.once(opts.tls ? 'secureConnect' : 'connect', () => resolve());
      sock.once('error', reject);
    });
    return new RawSmtp(sock);
  }

  /** Next complete reply; rejects if the connection closes first or after timeoutMs. */
  async reply(timeoutMs = 10_000): Promise<SmtpReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines: string[] = [];
      let pos = 0;
      for (;;) {
        const nl = this.buf.indexOf('\r\n', pos);
        if (nl < 0) break;
        const line = this.buf.slice(pos, nl);
        lines.push(line);
        pos = nl + 2;
        if (/^\d{3}( |$)/.test(line)) {
          this.buf = this.buf.slice(pos);
          return { code: Number(line.slice(0, 3)), lines, text: lines.join('\n') };
        }
      }
      if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buf)}`);
      if (Date.now() > deadline)
        throw new Error(`no reply within ${timeoutMs} ms; got ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  write(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** Writes and waits until the socket buffer drained (backpressure for big bodies). */
  async writeDrained(data: string | Buffer): Promise<void> {
    if (!this.sock.write(data)) await new Promise<void>((r) => this.sock.once('drain', () => r()));
  }

  async cmd(line: string): Promise<SmtpReply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  async starttls(ca?: string): Promise<void> {
    const r = await this.cmd('STARTTLS');
    if (r.code !== 220) throw new Error(`STARTTLS refused: ${r.text}`);
    const plain = this.sock;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = tlsConnect({ socket: plain, ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.sock = secure;
    this.attach(secure);
  }

  /** A whole transaction after EHLO; returns the DATA-end reply. */
  async send(from: string, to: string[], message: string): Promise<SmtpReply> {
    const m = await this.cmd(`MAIL FROM:<${from}>`);
    if (m.code !== 250) return m;
    let ok = 0;
    let last = m;
    for (const t of to) {
      last = await this.cmd(`RCPT TO:<${t}>`);
      if (last.code === 250) ok++;
    }
    if (ok === 0) return last;
    const d = await this.cmd('DATA');
    if (d.code !== 354) return d;
    const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    this.write(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
    return this.reply(60_000);
  }

  close(): void {
    this.sock.destroy();
  }
}

/** "AUTH PLAIN" initial response for user/password. */
export function plainAuth(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`).toString('base64');
}
