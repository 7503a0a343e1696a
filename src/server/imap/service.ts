/**
 * The IMAP service: "imap" (STARTTLS) and "imaps" (implicit TLS) listeners (PROXY protocol when
 * [listen] proxy_protocol names them), per-IP and
 * per-user connection limits, and a graceful stop that says BYE to every session.
 */
import type { Server, Socket } from 'node:net';
import type { Config } from '../../config/load.js';
import { bindListener } from '../listen.js';
import type { BoundAddress, DaemonContext, Service, ServiceFactory } from '../service.js';
import { handlers } from './commands/registry.js';
import { ImapSession, type SessionHost } from './session.js';

class Counter {
  private m = new Map<string, number>();
  enter(k: string, max: number): boolean {
    const n = this.m.get(k) ?? 0;
    if (n >= max) return false;
    this.m.set(k, n + 1);
    return true;
  }
  leave(k: string): void {
    const n = (this.m.get(k) ?? 1) - 1;
    if (n <= 0) this.m.delete(k);
    else this.m.set(k, n);
  }
}

class ImapService implements Service, SessionHost {
  readonly name = 'imap';
  readonly handlers = handlers;
  private servers: { listener: string; server: Server }[] = [];
  private sessions = new Set<ImapSession>();
  private perIp = new Counter();
  private perUser = new Counter();

  constructor(readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    for (const listener of ['imap', 'imaps'] as const) {
      const server = await bindListener(this.ctx, {
        listener,
        tls: listener === 'imaps',
        backlog: 4096,
        accept: (sock, secure, ip) => this.accept(sock, secure, ip),
      });
      if (server) this.servers.push({ listener, server });
    }
  }

  private accept(sock: Socket, secure: boolean, ip: string): void {
    sock.setNoDelay(true);
    if (!this.perIp.enter(ip, this.ctx.config.imap.max_connections_per_ip)) {
      this.ctx.events.emit('connection-limit', { service: 'imap', ip });
      sock.on('error', () => undefined);
      sock.end('* BYE too many connections from your address\r\n');
      return;
    }
    const s = new ImapSession(sock, this, secure, ip);
    this.sessions.add(s);
    s.start();
  }

  userEnter(user: string): boolean {
    return this.perUser.enter(user, this.ctx.config.imap.max_connections_per_user);
  }

  userLeave(user: string): void {
    this.perUser.leave(user);
  }

  onClose(s: ImapSession): void {
    if (this.sessions.delete(s)) this.perIp.leave(s.remoteAddress);
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
      s.send('* BYE server shutting down');
      void s.flush().finally(() => s.close());
    }
    await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, deadlineMs).unref())]);
  }

  async reload(_config: Config): Promise<void> {
    // Limits and timeouts are read from ctx.config per use; the certificate comes from ctx.tls.
  }
}

export const imapService: ServiceFactory = async (ctx) => {
  const svc = new ImapService(ctx);
  await svc.start();
  return [svc];
};
