/**
 * Mail servers for the audit to examine: a well-configured MX (smtp-server, the library
 * nodemailer's author maintains — not our daemon) that refuses relaying and speaks only
 * TLS 1.2+, an open relay (Postfix's smtp-sink, which accepts everything), and broken
 * servers (silent, hanging up, answering garbage to EHLO).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { type Peer, requireProgram, startPeer, waitForPort } from './proc.js';

export interface Stoppable {
  stop(): Promise<void>;
}

export interface MxPeerOptions {
  host: string;
  port: number;
  /** Banner / EHLO name. */
  name: string;
  cert?: string;
  key?: string;
  /** Domains it accepts mail for; every other recipient gets 554 5.7.1. */
  localDomains: string[];
  /** Advertise AUTH before STARTTLS (a fault the audit must catch). */
  authBeforeTls?: boolean;
  /** Lowest TLS version it accepts (default TLS 1.2). */
  minVersion?: 'TLSv1' | 'TLSv1.2';
  /** Implicit TLS from the first byte (465 style). */
  secure?: boolean;
  noStarttls?: boolean;
}

export async function startMxPeer(o: MxPeerOptions): Promise<Stoppable> {
  const opts: SMTPServerOptions = {
    name: o.name,
    banner: 'test MX',
    secure: o.secure ?? false,
    hideSTARTTLS: o.noStarttls ?? false,
    authOptional: true,
    // smtp-server advertises AUTH even before STARTTLS, so the well-configured peer has none.
    disabledCommands: o.authBeforeTls ? [] : ['AUTH'],
    allowInsecureAuth: o.authBeforeTls ?? false,
    authMethods: ['PLAIN', 'LOGIN'],
    minVersion: o.minVersion ?? 'TLSv1.2',
    ...(o.minVersion === 'TLSv1' ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    logger: false,
    onAuth: (_a, _s, cb) => cb(new Error('no users')),
    onRcptTo(addr, _s, cb) {
      const at = addr.address.lastIndexOf('@');
      const domain = at >= 0 ? addr.address.slice(at + 1).toLowerCase() : '';
      const local = addr.address.slice(0, Math.max(at, 0));
      // Only plain local parts of our own domains; routing tricks are refused.
      if (o.localDomains.includes(domain) && /^[a-z0-9._-]+$/i.test(local)) cb();
      else cb(Object.assign(new Error('5.7.1 Relay access denied'), { responseCode: 554 }));
    },
    onData(stream, _s, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  };
  if (o.cert && o.key) {
    opts.cert = readFileSync(o.cert);
    opts.key = readFileSync(o.key);
  }
  const server = new SMTPServer(opts);
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return { stop: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Postfix's smtp-sink: accepts every command, i.e. an open relay. */
export async function startSmtpSink(dir: string, host: string, port: number): Promise<Peer> {
  const sink = requireProgram('smtp-sink', 'postfix');
  const peer = startPeer(
    'smtp-sink',
    sink,
    ['-u', 'nobody', `${host}:${port}`, '100'],
    join(dir, `smtp-sink-${host}.log`),
  );
  await waitForPort(port, { host, peer });
  return peer;
}

/** A TCP server that misbehaves: says nothing, hangs up at once, or sends a banner then garbage. */
export async function startBrokenServer(
  host: string,
  port: number,
  mode: 'silent' | 'close' | 'garbage-ehlo',
): Promise<Stoppable> {
  const server: Server = createServer((s) => {
    s.on('error', () => undefined);
    if (mode === 'close') s.destroy();
    else if (mode === 'garbage-ehlo') {
      s.write('220 broken.test ESMTP\r\n');
      s.once('data', () => s.write('\x00\x01garbage that is not SMTP at all\r\n'));
    }
  });
  const open = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  return {
    stop: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * A legacy server that OpenSSL 3 can no longer play: it speaks SMTP up to STARTTLS, then
 * answers a ClientHello offering SSLv3 with an SSLv3 ServerHello (RC4-SHA), one offering
 * 3DES with a ServerHello choosing it, and anything else with a handshake_failure alert.
 * It never completes a handshake — it only has to show what it would accept.
 */
export async function startLegacyTlsPeer(host: string, port: number, name: string): Promise<Stoppable> {
  const serverHello = (version: number, suite: number) => {
    const body = Buffer.concat([
      Buffer.from([version >> 8, version & 0xff]),
      Buffer.alloc(32, 7),
      Buffer.from([0, suite >> 8, suite & 0xff, 0]),
    ]);
    const hs = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
    return Buffer.concat([Buffer.from([0x16, 3, version === 0x0300 ? 0 : 3, 0, hs.length]), hs]);
  };
  const alert = Buffer.from([0x15, 3, 3, 0, 2, 2, 40]);
  const server: Server = createServer((s) => {
    s.on('error', () => undefined);
    s.write(`220 ${name} ESMTP legacy\r\n`);
    let tls = false;
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      if (tls) {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 5 || buf.length < 5 + buf.readUInt16BE(3)) return;
        const version = buf.readUInt16BE(9);
        const sidLen = buf[43] ?? 0;
        const suitesLen = buf.readUInt16BE(44 + sidLen);
        const suites = Array.from({ length: suitesLen / 2 }, (_, i) => buf.readUInt16BE(46 + sidLen + 2 * i));
        if (version === 0x0300) s.end(serverHello(0x0300, 0x0005));
        else if (suites.includes(0x000a)) s.end(serverHello(0x0303, 0x000a));
        else s.end(alert);
        return;
      }
      const line = d.toString('latin1').trim().toUpperCase();
      if (line.startsWith('EHLO')) s.write(`250-${name}\r\n250 STARTTLS\r\n`);
      else if (line.startsWith('STARTTLS')) {
        tls = true;
        s.write('220 go ahead\r\n');
      } else if (line.startsWith('QUIT')) s.end('221 bye\r\n');
      else s.write('502 not here\r\n');
    });
  });
  const open = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  return {
    stop: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
