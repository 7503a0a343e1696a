/**
 * The "http" service on [listen] http: GET /healthz (200 "ok" while the daemon serves,
 * 503 while it stops) and GET /metrics (Prometheus text). Nothing else; bind it to an
 * internal address (default 127.0.0.1:8025).
 */
import { createServer, type Server } from 'node:http';
import { parseHostPort } from '../../config/types.js';
import { errnoCode, MailctlError } from '../../errors.js';
import type { DaemonContext, Service, ServiceFactory } from '../service.js';
import { createMetrics } from './metrics.js';

export const createHttpService: ServiceFactory = async (ctx: DaemonContext): Promise<Service[]> => {
  const spec = ctx.config.listen.http;
  if (!spec) return [];
  const addr = parseHostPort(spec);
  if (!addr) throw new MailctlError('config', `bad listen address for http: ${spec}`);
  const metrics = createMetrics(ctx.events);
  let stopping = false;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      res
        .writeHead(stopping ? 503 : 200, { 'content-type': 'text/plain' })
        .end(stopping ? 'stopping\n' : 'ok\n');
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(`${e.message}\n`),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new MailctlError('config', `cannot listen on ${spec} for http: ${errnoCode(e) ?? e.message}`, {
          where: `[listen] http = "${spec}"`,
          hint: 'choose another address or stop the process using it',
        }),
      ),
    );
    server.listen(addr.port, addr.host, () => resolve());
  });
  return [
    {
      name: 'http',
      addresses() {
        const a = server.address();
        return [{ listener: 'http', host: addr.host, port: typeof a === 'object' && a ? a.port : addr.port }];
      },
      async stop() {
        stopping = true;
        metrics.detach();
        server.closeAllConnections?.();
        await new Promise<void>((r) => server.close(() => r()));
      },
    },
  ];
};

export default createHttpService;
