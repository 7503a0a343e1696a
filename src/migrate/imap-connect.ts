/**
 * Opening IMAP connections for migration (the lean pipelined client in wire/): TLS
 * choices, STARTTLS, master-user logins (Dovecot's "user*master" and SASL PLAIN with an
 * authorization identity), XOAUTH2 tokens, and turning connection failures into errors
 * that say what to do.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { errnoCode, MailctlError } from '../errors.js';
import { CommandError, type Part, WireConn } from './wire/conn.js';
import { quotable, quote } from './wire/parse.js';

export interface ImapEndpoint {
  host: string;
  port: number;
  /** Implicit TLS (imaps://). Otherwise STARTTLS when offered. */
  secure: boolean;
  /** Accept any certificate: only by explicit choice (--insecure). */
  insecure: boolean;
  /** Extra CA certificates (PEM) to trust. */
  ca?: string;
  /** Refuse to log in without TLS. */
  requireTls?: boolean;
  /** Never upgrade with STARTTLS (explicit operator choice, e.g. a loopback or isolated network). */
  plain?: boolean;
}

export type ImapLogin =
  | { kind: 'password'; user: string; password: string }
  | {
      kind: 'master';
      user: string;
      master: string;
      password: string;
      method: 'login' | 'plain';
      separator?: string;
    }
  | { kind: 'xoauth2'; user: string; token: string };

export function describeLogin(l: ImapLogin): string {
  if (l.kind === 'master')
    return l.method === 'login' ? `${l.user}${l.separator ?? '*'}${l.master}` : `${l.master} as ${l.user}`;
  return l.user;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const CONNECT_MS = 20_000;
const IDLE_MS = 5 * 60_000;

function tlsOptions(ep: ImapEndpoint) {
  return {
    rejectUnauthorized: !ep.insecure,
    ca: ep.ca,
    servername: /^[\d.]+$|:/.test(ep.host) ? undefined : ep.host,
  };
}

function opened(s: Socket | TLSSocket, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error(`no ${event} within ${CONNECT_MS / 1000} s`), { code: 'ETIMEDOUT' }));
    }, CONNECT_MS);
    s.once(event, () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve();
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function greeting(c: WireConn): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(Object.assign(new Error('no greeting'), { code: 'ETIMEDOUT' })),
      CONNECT_MS,
    );
    c.onUnsolicited = (r) => {
      clearTimeout(timer);
      c.onUnsolicited = undefined;
      if (r.kind === 'BYE') reject(new CommandError('BYE', r.text ?? 'refused'));
      else resolve(r.kind);
    };
  });
}

function astring(v: string): Part {
  const bin = Buffer.from(v, 'utf8').toString('latin1');
  return quotable(bin) ? quote(bin) : { literal: Buffer.from(v, 'utf8') };
}

function authFailed(e: unknown): never {
  if (e instanceof CommandError && e.responseStatus === 'NO')
    throw Object.assign(e, { authenticationFailed: true });
  throw e;
}

async function saslAuth(c: WireConn, mech: string, initial: string): Promise<void> {
  const ir = c.caps.has('SASL-IR');
  let sent = ir;
  // the first "+" asks for the initial response; a later one (XOAUTH2's error) wants an empty line
  c.onContinuation = () => {
    void c.raw(sent ? '' : initial).catch(() => undefined);
    sent = true;
  };
  try {
    await c.command([`AUTHENTICATE ${mech}${ir ? ` ${initial || '='}` : ''}`]).catch(authFailed);
  } finally {
    c.onContinuation = undefined;
  }
}

async function login(c: WireConn, l: ImapLogin): Promise<void> {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  if (l.kind === 'xoauth2')
    return saslAuth(c, 'XOAUTH2', b64(`user=${l.user}\x01auth=Bearer ${l.token}\x01\x01`));
  if (l.kind === 'master' && l.method === 'plain')
    return saslAuth(c, 'PLAIN', b64(`${l.user}\0${l.master}\0${l.password}`));
  const user = l.kind === 'master' ? `${l.user}${l.separator ?? '*'}${l.master}` : l.user;
  if (c.caps.has('LOGINDISABLED')) return saslAuth(c, 'PLAIN', b64(`\0${user}\0${l.password}`));
  await c.command(['LOGIN ', astring(user), ' ', astring(l.password)]).catch(authFailed);
}

export async function connectImap(ep: ImapEndpoint, l: ImapLogin): Promise<WireConn> {
  const where = `${ep.host}:${ep.port} (${describeLogin(l)})`;
  let c: WireConn | undefined;
  try {
    // A connection that will never be upgraded reads into one reused buffer: a migration
    // moves hundreds of MB through it, and a fresh 64 KB chunk per read is garbage that
    // V8 only collects once ~64 MB of it has piled up (external-memory GC trigger) — that
    // pile was a third of the peak RSS.
    const staysPlain = !ep.secure && ep.plain && !ep.requireTls;
    let early: Buffer[] | undefined = [];
    const s = ep.secure
      ? tlsConnect({ host: ep.host, port: ep.port, ...tlsOptions(ep) })
      : netConnect({
          host: ep.host,
          port: ep.port,
          ...(staysPlain
            ? {
                onread: {
                  buffer: Buffer.allocUnsafe(64 << 10),
                  callback: (n: number, buf: Uint8Array) => {
                    const chunk = Buffer.from(buf.buffer, buf.byteOffset, n);
                    if (c) c.receive(chunk);
                    else early?.push(Buffer.from(chunk));
                    return true;
                  },
                },
              }
            : {}),
        });
    s.setNoDelay(true);
    await opened(s, ep.secure ? 'secureConnect' : 'connect');
    c = new WireConn(s, IDLE_MS, staysPlain ? 'onread' : 'data');
    for (const b of early ?? []) c.receive(b);
    early = undefined;
    const hello = greeting(c);
    const kind = await hello;
    if (!c.caps.size) await c.command(['CAPABILITY']);
    if (!ep.secure && ((c.caps.has('STARTTLS') && !ep.plain) || ep.requireTls)) {
      await c.command(['STARTTLS']);
      c.detach();
      const t = tlsConnect({ socket: c.socket, ...tlsOptions(ep) });
      await opened(t, 'secureConnect');
      c.caps.clear();
      c.attach(t);
      await c.command(['CAPABILITY']);
    }
    if (kind !== 'PREAUTH') await login(c, l);
    if (!c.caps.has('IMAP4REV1') || c.caps.has('LOGINDISABLED')) await c.command(['CAPABILITY']);
    return c;
  } catch (e) {
    c?.close();
    throw imapError(e, where);
  }
}

export function imapError(e: unknown, where: string): MailctlError {
  if (e instanceof MailctlError) return e;
  const err = e as { authenticationFailed?: boolean; responseText?: string; message?: string; code?: string };
  if (err.authenticationFailed) {
    return new MailctlError(
      'auth-failed',
      `login refused: ${err.responseText || err.message || 'authentication failed'}`,
      {
        where,
        hint: 'check the password (users CSV source_password), the master user, or the token',
        cause: e,
      },
    );
  }
  const status = (e as { responseStatus?: string; serverResponseCode?: string }).responseStatus;
  if (status === 'NO' || status === 'BAD') {
    // the server refused this one command: the connection is fine, the item is not
    const rc = (e as { serverResponseCode?: string }).serverResponseCode ?? '';
    const text = `${rc ? `[${rc}] ` : ''}${err.responseText || err.message || 'refused'}`;
    if (rc === 'OVERQUOTA' || /quota/i.test(text))
      return new MailctlError('quota', `target quota exceeded: ${text}`, { where, cause: e });
    if (rc === 'TOOBIG' || rc === 'LIMIT')
      return new MailctlError('too-large', `refused as too large: ${text}`, { where, cause: e });
    return new MailctlError('invalid-input', `refused by the server: ${text}`, { where, cause: e });
  }
  const code = errnoCode(e) ?? err.code;
  if (code && TLS_CODES.has(code)) {
    return new MailctlError('unreachable', `TLS certificate not trusted: ${err.message ?? code}`, {
      where,
      hint: 'give the server CA with --ca FILE, or accept any certificate with --insecure (only on a trusted network)',
      cause: e,
    });
  }
  if (
    code &&
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EHOSTUNREACH',
      'ETIMEDOUT',
      'ECONNRESET',
      'EAI_AGAIN',
      'NoConnection',
    ].includes(code)
  ) {
    return new MailctlError('unreachable', `cannot reach the IMAP server: ${err.message ?? code}`, {
      where,
      hint: 'check host and port (imap://host:143 or imaps://host:993) and that the server is running',
      cause: e,
    });
  }
  return new MailctlError('unreachable', `IMAP failure: ${err.responseText || err.message || String(e)}`, {
    where,
    cause: e,
  });
}
