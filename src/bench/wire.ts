/**
 * A lean line-protocol connection for the load generators: lines and counted bytes over
 * node:net / node:tls, STARTTLS upgrade in place. Deliberately not nodemailer or imapflow:
 * their per-message machinery (MIME compilation, message objects, parsers, events) costs
 * more CPU than a small message costs the server, so on a shared 2-core box the generator,
 * not the server, would be measured.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { MailctlError } from '../errors.js';

export interface TlsOptions {
  /** Verify the server certificate (default true). */
  verify: boolean;
  /** Extra CA (PEM) to trust, e.g. a self-signed test CA. */
  ca?: string;
  servername?: string;
}

export interface Target {
  host: string;
  port: number;
}

const CRLF = 0x0a;

export class Wire {
  private socket: Socket | TLSSocket;
  private buf: Buffer = Buffer.alloc(0);
  private waiter?: () => void;
  private failure?: Error;
  private ended = false;
  bytesIn = 0;

  private constructor(
    socket: Socket | TLSSocket,
    private readonly timeoutMs: number,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  static async open(target: Target, tls: TlsOptions | undefined, timeoutMs: number): Promise<Wire> {
    const socket = tls
      ? tlsConnect({
          host: target.host,
          port: target.port,
          rejectUnauthorized: tls.verify,
          ca: tls.ca,
          servername: tls.servername ?? serverName(target.host),
        })
      : netConnect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    await once(socket, tls ? 'secureConnect' : 'connect', timeoutMs, target);
    return new Wire(socket, timeoutMs);
  }

  private attach(s: Socket | TLSSocket): void {
    s.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.wake();
    });
    s.on('error', (e) => {
      this.failure = e;
      this.wake();
    });
    s.on('close', () => {
      this.ended = true;
      this.wake();
    });
    // A server that stops answering fails the operation instead of hanging the bench.
    s.setTimeout(this.timeoutMs, () => {
      this.failure = new Error(`no reply within ${this.timeoutMs} ms`);
      s.destroy();
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private async more(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error('connection closed by the server');
    await new Promise<void>((r) => {
      this.waiter = r;
    });
  }

  /** The next line without its CRLF (latin1: protocol text, byte-exact). */
  async line(): Promise<string> {
    for (;;) {
      const i = this.buf.indexOf(CRLF);
      if (i >= 0) {
        const end = i > 0 && this.buf[i - 1] === 0x0d ? i - 1 : i;
        const text = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(i + 1);
        return text;
      }
      await this.more();
    }
  }

  /** Exactly n bytes (an IMAP literal). */
  async bytes(n: number): Promise<Buffer> {
    while (this.buf.length < n) await this.more();
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Upgrades the plain connection to TLS in place (after STARTTLS's positive reply). */
  async startTls(tls: TlsOptions, target: Target, timeoutMs: number): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('error');
    plain.removeAllListeners('close');
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    const secure = tlsConnect({
      socket: plain,
      rejectUnauthorized: tls.verify,
      ca: tls.ca,
      servername: tls.servername ?? serverName(target.host),
    });
    await once(secure, 'secureConnect', timeoutMs, target);
    this.socket = secure;
    this.buf = Buffer.alloc(0);
    this.attach(secure);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** SNI must be a name, never an IP address. */
function serverName(host: string): string | undefined {
  return /^[\d.]+$|:/.test(host) ? undefined : host;
}

function once(s: Socket, event: string, timeoutMs: number, target: Target): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once(event, () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve();
    });
    s.once('error', (e: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(
        e.code === 'ECONNREFUSED'
          ? new MailctlError('unreachable', `nothing listens on ${target.host}:${target.port}`, {
              where: `${target.host}:${target.port}`,
              hint: 'start the server first (mailctl serve) or check --target',
              cause: e,
            })
          : e,
      );
    });
  });
}

/** Parses host:port ([::1]:25 for IPv6); a clear usage error otherwise. */
export function parseTarget(text: string): Target {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !(port > 0 && port < 65536)) {
    throw new MailctlError('usage', `--target ${text} is not host:port`, {
      hint: 'e.g. --target 127.0.0.1:2525',
    });
  }
  return { host: m[1], port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
