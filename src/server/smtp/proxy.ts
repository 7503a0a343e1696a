/**
 * PROXY protocol v1 and v2 in front of an smtp-server listener. smtp-server reads only the
 * v1 text line, so for listeners named in [listen] proxy_protocol we take over its
 * `_handleProxy` step with our parser (src/proto/proxy-protocol.ts). The address from the
 * header is then the session's remoteAddress, which every check and log line uses.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { PROXY_V2_MAX, parseProxyHeader } from '../../proto/proxy-protocol.js';
import type { Logger } from '../observe/logger.js';

interface SocketOptions {
  id: string;
  remoteAddress?: string;
  remotePort?: number;
}

type HandleProxy = (socket: Socket, cb: (err: Error | null, opts?: SocketOptions) => void) => void;

function sessionId(): string {
  return BigInt(`0x${randomBytes(10).toString('hex')}`)
    .toString(32)
    .padStart(16, '0');
}

export function acceptProxyHeaders(server: SMTPServer, log: Logger, listener: string): void {
  const s = server as unknown as { _handleProxy: HandleProxy; options: { useProxy?: boolean } };
  // Makes smtp-server guard the socket (timeout, pending list) until the header is read.
  s.options.useProxy = true;
  s._handleProxy = (socket, cb) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | null, opts?: SocketOptions) => {
      if (done) return;
      done = true;
      socket.removeListener('readable', onReadable);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onClose);
      if (err) {
        socket.on('error', () => undefined);
        socket.destroy();
        log.info({ listener, ip: socket.remoteAddress, err: err.message }, 'PROXY header refused');
      }
      cb(err, opts);
    };
    const onError = (e: Error) => finish(e);
    const onClose = () => finish(new Error('connection closed before the PROXY header'));
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buf = Buffer.concat([buf, chunk]);
        const r = parseProxyHeader(buf);
        if (r.status === 'incomplete') {
          if (buf.length > PROXY_V2_MAX) return finish(new Error('PROXY header too long'));
          continue;
        }
        if (r.status === 'invalid') return finish(new Error(`invalid PROXY header: ${r.reason}`));
        const rest = buf.subarray(r.length);
        if (rest.length) socket.unshift(rest);
        return finish(null, {
          id: sessionId(),
          remoteAddress: r.source?.address,
          remotePort: r.source?.port,
        });
      }
    };
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('end', onClose);
  };
}
