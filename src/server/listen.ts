/**
 * Binding one IMAP or POP3 listener: address parsing, implicit TLS with the current
 * certificate, an optional PROXY protocol header from a load balancer (read byte-exactly
 * before any TLS), and errors an operator can act on. SMTP binds through smtp-server.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { parseHostPort } from '../config/types.js';
import { MailctlError } from '../errors.js';
import { readProxyHeader } from './proxy-header.js';
import type { BoundAddress, DaemonContext } from './service.js';

/** How long a load balancer may take to send its PROXY header. */
export const PROXY_HEADER_TIMEOUT_MS = 10_000;

export interface ListenerSpec {
  /** Config name, e.g. "imaps"; also the key in [listen] and proxy_protocol. */
  listener: string;
  /** Implicit TLS. */
  tls: boolean;
  backlog: number;
  /** Gets the (TLS) socket and the client address (from the PROXY header when there is one). */
  accept(sock: Socket, secure: boolean, ip: string): void;
}

/** Binds the listener if [listen] names an address; resolves with the server, or undefined when disabled. */
export async function bindListener(ctx: DaemonContext, spec: ListenerSpec): Promise<Server | undefined> {
  const { listener, tls } = spec;
  const addr = (ctx.config.listen as Record<string, unknown>)[listener];
  if (typeof addr !== 'string' || addr === '') return undefined;
  const hp = parseHostPort(addr);
  if (!hp)
    throw new MailctlError('config', `bad ${listener} listen address ${addr}`, {
      where: `[listen] ${listener}`,
    });
  const proxied = ctx.config.listen.proxy_protocol.some((l) => l === listener);
  const direct = (sock: Socket, secure: boolean) =>
    spec.accept(sock, secure, sock.remoteAddress ?? 'unknown');
  const server = proxied
    ? createServer((sock) => void acceptProxied(ctx, spec, sock))
    : tls
      ? ctx.tls.createServer((sock) => direct(sock, true))
      : createServer((sock) => direct(sock, false));
  server.on('error', (e) => ctx.log.error({ listener, err: e.message }, 'listener error'));
  if (tls && !proxied)
    server.on('tlsClientError', (e) => ctx.log.debug({ listener, err: e.message }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new MailctlError('config', `cannot listen on ${addr} for ${listener}: ${e.message}`, {
          where: `[listen] ${listener}`,
          hint: 'is another server using the port?',
        }),
      ),
    );
    server.listen({ host: hp.host, port: hp.port, backlog: spec.backlog }, () => resolve());
  });
  return server;
}

/** A load balancer's connection: PROXY header first, then (implicit TLS) the handshake. */
async function acceptProxied(ctx: DaemonContext, spec: ListenerSpec, sock: Socket): Promise<void> {
  sock.on('error', () => undefined);
  let ip: string;
  try {
    ip = (await readProxyHeader(sock, PROXY_HEADER_TIMEOUT_MS))?.address ?? sock.remoteAddress ?? 'unknown';
  } catch (e) {
    ctx.log.info(
      { listener: spec.listener, ip: sock.remoteAddress, err: (e as Error).message },
      'PROXY header refused',
    );
    sock.destroy();
    return;
  }
  if (!spec.tls) return spec.accept(sock, false, ip);
  const secure = new TLSSocket(sock, { isServer: true, ...ctx.tls.serverOptions() });
  secure.on('error', () => secure.destroy());
  secure.once('secure', () => spec.accept(secure, true, ip));
}

/** Addresses the servers actually bound (port 0 resolved), for logs and tests. */
export function boundAddresses(servers: readonly { listener: string; server: Server }[]): BoundAddress[] {
  return servers.map(({ listener, server }) => {
    const a = server.address();
    return typeof a === 'object' && a
      ? { listener, host: a.address, port: a.port }
      : { listener, host: '', port: 0 };
  });
}

/** Stops accepting; resolves when the servers have closed or the deadline passed. */
export async function closeServers(
  servers: readonly { server: Server }[],
  deadlineMs: number,
): Promise<void> {
  const closing = servers.map(({ server }) => new Promise<void>((r) => server.close(() => r())));
  await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, deadlineMs).unref())]);
}

/** Open connections per key (client IP, user) against a limit. */
export class ConnectionCounter {
  private m = new Map<string, number>();
  enter(key: string, max: number): boolean {
    const n = this.m.get(key) ?? 0;
    if (n >= max) return false;
    this.m.set(key, n + 1);
    return true;
  }
  leave(key: string): void {
    const n = (this.m.get(key) ?? 1) - 1;
    if (n <= 0) this.m.delete(key);
    else this.m.set(key, n);
  }
}
