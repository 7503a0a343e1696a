/**
 * The POP3 service: the "pop3" (STLS) and "pop3s" (implicit TLS) listeners, the per-IP
 * connection limit, and a stop that lets sessions go without applying their DELEs.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { parseHostPort } from '../../config/types.js';
import { MailctlError } from '../../errors.js';
import type { BoundAddress, DaemonContext, Service, ServiceFactory } from '../service.js';
import { readProxyHeader } from './proxy.js';
import { type Pop3Host, Pop3Session } from './session.js';

const PROXY_HEADER_TIMEOUT_MS = 10_000;

class Pop3Service implements Service, Pop3Host {
  readonly name = 'pop3';
  private servers: { listener: string; server: Server }[] = [];
  private sessions = new Set<Pop3Session>();
  private perIp = new Map<string, number>();

  constructor(readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    for (const listener of ['pop3', 'pop3s'] as const) {
      const addr = this.ctx.config.listen[listener];
      if (!addr) continue;
      const hp = parseHostPort(addr);
      if (!hp)
        throw new MailctlError('config', `bad ${listener} listen address ${addr}`, {
          where: `[listen] ${listener}`,
        });
      const tls = listener === 'pop3s';
      const proxied = this.ctx.config.listen.proxy_protocol.includes(listener);
      const server = proxied
        ? createServer((sock) => void this.acceptProxied(sock, listener, tls))
        : tls
          ? this.ctx.tls.createServer((sock) => this.accept(sock, listener, true))
          : createServer((sock) => this.accept(sock, listener, false));
      server.on('error', (e) => this.ctx.log.error({ listener, err: e.message }, 'pop3 listener error'));
      if (tls && !proxied)
        server.on('tlsClientError', (e) => this.ctx.log.debug({ err: e.message }, 'pop3s handshake failed'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (e) =>
          reject(
            new MailctlError('config', `cannot listen on ${addr} for ${listener}: ${e.message}`, {
              where: `[listen] ${listener}`,
              hint: 'is another server using the port?',
            }),
          ),
        );
        server.listen({ host: hp.host, port: hp.port, backlog: 1024 }, () => resolve());
      });
      this.servers.push({ listener, server });
    }
  }

  /** A load balancer's connection: PROXY header first, then (pop3s) the TLS handshake. */
  private async acceptProxied(sock: Socket, listener: string, tls: boolean): Promise<void> {
    sock.on('error', () => undefined);
    let ip: string;
    try {
      ip = (await readProxyHeader(sock, PROXY_HEADER_TIMEOUT_MS))?.address ?? sock.remoteAddress ?? 'unknown';
    } catch (e) {
      this.ctx.log.info(
        { listener, ip: sock.remoteAddress, err: (e as Error).message },
        'PROXY header refused',
      );
      sock.destroy();
      return;
    }
    if (!tls) return this.accept(sock, listener, false, ip);
    const secure = new TLSSocket(sock, { isServer: true, ...this.ctx.tls.serverOptions() });
    secure.on('error', () => secure.destroy());
    secure.once('secure', () => this.accept(secure, listener, true, ip));
  }

  private accept(sock: Socket, listener: string, secure: boolean, clientIp?: string): void {
    const ip = clientIp ?? sock.remoteAddress ?? 'unknown';
    sock.on('error', () => undefined);
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.ctx.config.pop3.max_connections_per_ip) {
      this.ctx.events.emit('connection-limit', { service: 'pop3', ip });
      sock.end('-ERR [SYS/TEMP] too many connections from your address\r\n');
      return;
    }
    this.perIp.set(ip, n + 1);
    const s = new Pop3Session(sock, this, secure, listener, ip);
    this.sessions.add(s);
    this.ctx.events.emit('connection', { service: 'pop3', ip, listener });
    s.start();
  }

  onClose(s: Pop3Session): void {
    if (!this.sessions.delete(s)) return;
    const n = (this.perIp.get(s.remoteAddress) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(s.remoteAddress);
    else this.perIp.set(s.remoteAddress, n);
  }

  addresses(): BoundAddress[] {
    return this.servers.map(({ listener, server }) => {
      const a = server.address();
      return typeof a === 'object' && a
        ? { listener, host: a.address, port: a.port }
        : { listener, host: '', port: 0 };
    });
  }

  async stop(deadlineMs: number): Promise<void> {
    const closing = this.servers.map(({ server }) => new Promise<void>((r) => server.close(() => r())));
    for (const s of this.sessions) {
      s.send('-ERR [SYS/TEMP] server shutting down\r\n');
      s.close();
    }
    await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, deadlineMs).unref())]);
  }
}

export const pop3Service: ServiceFactory = async (ctx) => {
  const svc = new Pop3Service(ctx);
  await svc.start();
  return [svc];
};
