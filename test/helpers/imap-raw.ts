/**
 * A raw IMAP client for protocol tests: sends exact bytes, collects response lines
 * (literals included) up to the tagged reply. Speaks plain TCP, implicit TLS and STARTTLS.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export class RawImap {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(public sock: Socket | TLSSocket) {
    this.attach();
  }

  private attach() {
    this.sock.on('data', (b: Buffer) => {
      this.buf = Buffer.concat([this.buf, b]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    this.sock.on('error', () => undefined);
  }

  static async open(
    port: number,
    opts: { tls?: boolean; ca?: string } = {},
  ): Promise<{ c: RawImap; greeting: string }> {
    const sock = opts.tls
      ? tlsConnect({ port, host: '127.0.0.1', ca: opts.ca, servername: 'localhost' })
      : netConnect(port, '127.0.0.1');
    await new Promise<void>((res, rej) => {
      sock.once(opts.tls ? 'secureConnect' : 'connect', () => res());
      sock.once('error', rej);
    });
    const c = new RawImap(sock);
    const greeting = await c.line();
    return { c, greeting };
  }

  private async wait(): Promise<void> {
    if (this.closed) throw new Error(`connection closed; unread: ${this.buf.toString('latin1')}`);
    await new Promise<void>((r) => this.waiters.push(r));
  }

  /** One response line; a line ending in {n} is joined with its literal and what follows. */
  async line(): Promise<string> {
    let out = '';
    for (;;) {
      let lf = this.buf.indexOf(10);
      while (lf < 0) {
        await this.wait();
        lf = this.buf.indexOf(10);
      }
      const l = this.buf.toString('latin1', 0, lf + 1);
      this.buf = this.buf.subarray(lf + 1);
      out += l;
      const m = /\{(\d+)\}\r\n$/.exec(l);
      if (!m) return out.replace(/\r\n$/, '');
      const n = Number(m[1]);
      while (this.buf.length < n) await this.wait();
      out += this.buf.toString('latin1', 0, n);
      this.buf = this.buf.subarray(n);
    }
  }

  write(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** Sends "tag command" and returns every line up to and including the tagged one. */
  async cmd(tag: string, command: string): Promise<string[]> {
    this.write(`${tag} ${command}\r\n`);
    return this.until(tag);
  }

  async until(tag: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.line();
      lines.push(l);
      if (l.startsWith(`${tag} `)) return lines;
    }
  }

  async starttls(ca: string): Promise<void> {
    const secure = tlsConnect({ socket: this.sock, ca, servername: 'localhost' });
    await new Promise<void>((res, rej) => {
      secure.once('secureConnect', () => res());
      secure.once('error', rej);
    });
    this.sock.removeAllListeners('data');
    this.sock = secure;
    this.buf = Buffer.alloc(0);
    this.attach();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((r) => {
      this.sock.once('close', () => r());
      this.sock.end();
      setTimeout(() => this.sock.destroy(), 1000).unref();
    });
  }
}

/** The status word of the tagged (last) line. */
export function tagged(lines: string[]): string {
  return lines[lines.length - 1].split(' ').slice(1).join(' ');
}
