/**
 * PROXY protocol v1/v2 in front of the IMAP and POP3 listeners named in [listen] proxy_protocol.
 * The header is consumed byte-exactly (never more), because on implicit-TLS listeners the TLS handshake
 * starts right after it and must find every byte of its ClientHello on the socket.
 */
import type { Socket } from 'node:net';
import { PROXY_V2_MAX, parseProxyHeader } from '../proto/proxy-protocol.js';

export interface ProxySource {
  address: string;
  port: number;
}

/** Resolves with the client address from the header (undefined for LOCAL/UNKNOWN). */
export function readProxyHeader(sock: Socket, timeoutMs: number): Promise<ProxySource | undefined> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let want = 1;
    const timer = setTimeout(() => done(new Error('no PROXY header in time')), timeoutMs);
    const done = (err: Error | null, src?: ProxySource) => {
      clearTimeout(timer);
      sock.off('readable', onReadable);
      sock.off('close', onClose);
      if (err) reject(err);
      else resolve(src);
    };
    const onClose = () => done(new Error('connection closed before the PROXY header'));
    const onReadable = () => {
      for (;;) {
        const chunk = sock.read(want) as Buffer | null;
        if (chunk === null) return;
        buf = Buffer.concat([buf, chunk]);
        const r = parseProxyHeader(buf);
        if (r.status === 'invalid') return done(new Error(`invalid PROXY header: ${r.reason}`));
        if (r.status === 'ok') return done(null, r.source);
        if (buf.length > PROXY_V2_MAX) return done(new Error('PROXY header too long'));
        // v2: the 16-byte fixed part says how long the rest is; v1: one byte at a time.
        want =
          buf[0] === 0x0d ? (buf.length < 16 ? 16 - buf.length : 16 + buf.readUInt16BE(14) - buf.length) : 1;
        if (want <= 0) want = 1;
      }
    };
    sock.on('readable', onReadable);
    sock.on('close', onClose);
    onReadable();
  });
}
