/**
 * The POP3 service: the "pop3" (STLS) and "pop3s" (implicit TLS) listeners, the per-IP
 * connection limit, and a stop that lets sessions go without applying their DELEs.
 */
import type { Server, Socket } from 'node:net';
import { bindListener, boundAddresses, ConnectionCounter, closeServers } from '../listen.js';
import type { BoundAddress, DaemonContext, Service, ServiceFactory } from '../service.js';
import { type Pop3Host, Pop3Session } from './session.js';

class Pop3Service implements Service, Pop3Host {
  readonly name = 'pop3';
  private servers: { listener: string; server: Server }[] = [];
  private sessions = new Set<Pop3Session>();
  private perIp = new ConnectionCounter();

  constructor(readonly ctx: DaemonContext) {}

  async start(): Promise<void> {
    for (const listener of ['pop3', 'pop3s'] as const) {
      const server = await bindListener(this.ctx, {
        listener,
        tls: listener === 'pop3s',
        backlog: 1024,
        accept: (sock, secure, ip) => this.accept(sock, listener, secure, ip),
      });
      if (server) this.servers.push({ listener, server });
    }
  }

  private accept(sock: Socket, listener: string, secure: boolean, ip: string): void {
    sock.on('error', () => undefined);
    if (!this.perIp.enter(ip, this.ctx.config.pop3.max_connections_per_ip)) {
      this.ctx.events.emit('connection-limit', { service: 'pop3', ip });
      sock.end('-ERR [SYS/TEMP] too many connections from your address\r\n');
      return;
    }
    const s = new Pop3Session(sock, this, secure, listener, ip);
    this.sessions.add(s);
    this.ctx.events.emit('connection', { service: 'pop3', ip, listener });
    s.start();
  }

  onClose(s: Pop3Session): void {
    if (!this.sessions.delete(s)) return;
    this.perIp.leave(s.remoteAddress);
  }

  addresses(): BoundAddress[] {
    return boundAddresses(this.servers);
  }

  async stop(deadlineMs: number): Promise<void> {
    const closing = closeServers(this.servers, deadlineMs);
    for (const s of this.sessions) {
      s.send('-ERR [SYS/TEMP] server shutting down\r\n');
      s.close();
    }
    await closing;
  }
}

export const pop3Service: ServiceFactory = async (ctx) => {
  const svc = new Pop3Service(ctx);
  await svc.start();
  return [svc];
};
