/**
 * Raw ClientHello probes for what Node's OpenSSL can no longer offer: SSLv3 and the
 * broken cipher families (RC4, 3DES, DES, EXPORT, NULL, anonymous). We send one hand-made
 * ClientHello and read the first record back: a ServerHello choosing what we offered
 * means the server accepts it; an alert or a hang-up means it refuses. The handshake is
 * never completed.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

export const SSL3 = 0x0300;
export const TLS12 = 0x0303;

/** Cipher suites nobody should accept (IANA numbers), by family. */
export const weakSuites: Record<number, string> = {
  4: 'RC4-MD5',
  5: 'RC4-SHA',
  49169: 'ECDHE-RSA-RC4-SHA',
  49159: 'ECDHE-ECDSA-RC4-SHA',
  10: 'DES-CBC3-SHA (3DES)',
  49170: 'ECDHE-RSA-DES-CBC3-SHA (3DES)',
  49160: 'ECDHE-ECDSA-DES-CBC3-SHA (3DES)',
  22: 'EDH-RSA-DES-CBC3-SHA (3DES)',
  9: 'DES-CBC-SHA',
  21: 'EDH-RSA-DES-CBC-SHA',
  3: 'EXP-RC4-MD5',
  6: 'EXP-RC2-CBC-MD5',
  8: 'EXP-DES-CBC-SHA',
  20: 'EXP-EDH-RSA-DES-CBC-SHA',
  1: 'NULL-MD5',
  2: 'NULL-SHA',
  59: 'NULL-SHA256',
  49168: 'ECDHE-RSA-NULL-SHA',
  49158: 'ECDHE-ECDSA-NULL-SHA',
  24: 'ADH-RC4-MD5 (anonymous)',
  52: 'ADH-AES128-SHA (anonymous)',
  58: 'ADH-AES256-SHA (anonymous)',
  49176: 'AECDH-AES128-SHA (anonymous)',
};

/** Suites an SSLv3 server would pick from. */
export const ssl3Suites = [0x0035, 0x002f, 0x000a, 0x0005, 0x0004];

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);

function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

/** A ClientHello record offering `suites` at `version`; TLS hellos carry the usual extensions. */
export function clientHello(version: number, suites: number[], servername?: string): Buffer {
  const parts = [
    u16(version),
    randomBytes(32),
    Buffer.from([0]),
    vec16(Buffer.concat(suites.map(u16))),
    Buffer.from([1, 0]),
  ];
  if (version > SSL3) {
    const exts = [
      ext(0x000a, vec16(Buffer.concat([0x0017, 0x0018, 0x001d].map(u16)))), // supported_groups
      ext(0x000b, Buffer.from([1, 0])), // ec_point_formats: uncompressed
      ext(0x000d, vec16(Buffer.concat([0x0401, 0x0201, 0x0403, 0x0203, 0x0804, 0x0501].map(u16)))), // signature_algorithms
      ext(0xff01, Buffer.from([0])), // renegotiation_info
    ];
    if (servername) {
      const name = Buffer.from(servername, 'ascii');
      exts.unshift(ext(0x0000, vec16(Buffer.concat([Buffer.from([0]), vec16(name)]))));
    }
    parts.push(vec16(Buffer.concat(exts)));
  }
  const body = Buffer.concat(parts);
  const handshake = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  return Buffer.concat([
    Buffer.from([0x16, 0x03, version === SSL3 ? 0x00 : 0x01]),
    u16(handshake.length),
    handshake,
  ]);
}

export type HelloAnswer =
  | { kind: 'server-hello'; version: number; suite: number }
  | { kind: 'alert'; description: number }
  | { kind: 'closed' }
  | { kind: 'other'; detail: string };

/** Reads the server's first record (a ServerHello, an alert, or nothing). */
export function parseServerAnswer(buf: Buffer): HelloAnswer | undefined {
  if (buf.length < 5) return undefined;
  const type = buf[0];
  const len = buf.readUInt16BE(3);
  if (type === 0x15) return buf.length >= 7 ? { kind: 'alert', description: buf[6] } : undefined;
  if (type !== 0x16) return { kind: 'other', detail: `record type ${type}` };
  // The ServerHello's fixed part is at most 44 bytes; no need to wait for the whole record.
  const need = Math.min(5 + len, 5 + 44);
  if (buf.length < need) return undefined;
  const p = buf.subarray(5);
  if (p[0] !== 0x02) return { kind: 'other', detail: `handshake type ${p[0]}` };
  const version = p.readUInt16BE(4);
  const sid = p[38];
  if (p.length < 39 + sid + 2) return undefined;
  return { kind: 'server-hello', version, suite: p.readUInt16BE(39 + sid) };
}

/** Sends the hello on a connected socket (plain TCP, after STARTTLS's 220 if any) and waits for the answer. */
export function sendHello(socket: Socket, hello: Buffer, timeoutMs: number): Promise<HelloAnswer> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (a: HelloAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.destroy();
      resolve(a);
    };
    const timer = setTimeout(
      () => finish({ kind: 'other', detail: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.on('data', (d: Buffer | string) => {
      // A socket that spoke SMTP first delivers latin1 strings: byte-for-byte the same.
      buf = Buffer.concat([buf, typeof d === 'string' ? Buffer.from(d, 'latin1') : d]);
      const a = parseServerAnswer(buf);
      if (a) finish(a);
    });
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.once('close', () => finish({ kind: 'closed' }));
    socket.on('error', () => finish({ kind: 'closed' }));
    socket.write(hello);
  });
}
