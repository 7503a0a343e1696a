/**
 * Opening imapflow connections for migration: TLS choices, master-user logins (Dovecot's
 * "user*master" and SASL PLAIN with an authorization identity), XOAUTH2 tokens, and
 * turning connection failures into errors that say what to do.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { errnoCode, MailctlError } from '../errors.js';

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

function authOf(l: ImapLogin): ImapFlowOptions['auth'] {
  switch (l.kind) {
    case 'password':
      return { user: l.user, pass: l.password };
    case 'xoauth2':
      return { user: l.user, accessToken: l.token };
    case 'master':
      return l.method === 'login'
        ? { user: `${l.user}${l.separator ?? '*'}${l.master}`, pass: l.password, loginMethod: 'LOGIN' }
        : { user: l.master, pass: l.password, authzid: l.user };
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export async function connectImap(ep: ImapEndpoint, login: ImapLogin): Promise<ImapFlow> {
  const where = `${ep.host}:${ep.port} (${describeLogin(login)})`;
  const client = new ImapFlow({
    host: ep.host,
    port: ep.port,
    secure: ep.secure,
    auth: authOf(login),
    logger: false,
    disableAutoIdle: true,
    doSTARTTLS: ep.requireTls ? true : undefined,
    tls: {
      rejectUnauthorized: !ep.insecure,
      ca: ep.ca,
      servername: /^[\d.]+$/.test(ep.host) ? undefined : ep.host,
    },
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 5 * 60_000,
  } as ImapFlowOptions);
  // an error after connect must not crash the process; operations report it themselves
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (e) {
    client.close();
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
