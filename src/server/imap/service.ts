/**
 * The IMAP service: "imap" (STARTTLS) and "imaps" (implicit TLS) listeners (PROXY protocol when
 * [listen] proxy_protocol names them), per-IP and
 * per-user connection limits, and a graceful stop that says BYE to every session.
 */
import type { Server, Socket } from 'node:net';
import type { Config } from '../../config/load.js';
import { bindListener, boundAddresses, ConnectionCounter, closeServers } from '../listen.js';
import type { BoundAddress, DaemonContext, Service, ServiceFactory } from '../service.js';
import { handlers } from './commands/registry.js';
import { ImapSession, type SessionHost } from './session.js';

class ImapService implements Service, SessionHost {
  readonly name = 'imap';
  readonly handlers = handlers;
  private servers: { listener: string; server: Server }[] = [];
  private sessions = new Set<ImapSession>();
  private perIp = new ConnectionCounter();
  private perUser = new ConnectionCounter();

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
    return boundAddresses(this.servers);
  }

  async stop(deadlineMs: number): Promise<void> {
    const closing = closeServers(this.servers, deadlineMs);
    for (const s of this.sessions) {
      s.send('* BYE server shutting down');
      void s.flush().finally(() => s.close());
    }
    await closing;
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
