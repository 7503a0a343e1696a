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
