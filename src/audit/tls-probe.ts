/**
 * TLS on a mail port, seen from outside: one full inspection (STARTTLS offered, AUTH before
 * TLS, negotiated protocol and cipher, chain, hostname, expiry, key) and small handshake
 * probes for protocols and ciphers a server should refuse. Nothing is enforced on the
 * handshake itself: the point is to look, then judge.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import {
  type ConnectionOptions,
  checkServerIdentity,
  type DetailedPeerCertificate,
  rootCertificates,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import { type HelloAnswer, sendHello } from './hello-probe.js';
import {
  connectSocket,
  extensions,
  handshake,
  ProbeError,
  type ProbeTarget,
  SmtpConnection,
} from './smtp.js';

/** How TLS starts on the port: SMTP STARTTLS (25, 587) or TLS from the first byte (465, 993, 995). */
export type TlsMode = 'starttls' | 'implicit';

export interface TlsEndpoint extends ProbeTarget {
  mode: TlsMode;
  /** smtp, submission, submissions, imaps, pop3s. */
  service: string;
}

export interface CertInfo {
  subject: string;
  issuer: string;
  validTo: string;
  daysLeft: number;
  keyType: string;
  keyBits?: number;
  curve?: string;
  raw: Buffer;
  /** DER SubjectPublicKeyInfo, for DANE selector 1. */
  spki: Buffer;
}

export interface TlsSession {
  starttlsOffered: boolean;
  /** SASL mechanisms advertised before TLS (STARTTLS ports only). */
  authBeforeTls: string[];
  protocol?: string;
  cipher?: string;
  authorized: boolean;
  authorizationError?: string;
  hostnameError?: string;
  /** Leaf first. */
  chain: CertInfo[];
}

export interface ProbeOptions {
  timeoutMs: number;
  heloName: string;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  ca?: string[];
}

export function tlsOptions(ep: ProbeTarget, opts: Pick<ProbeOptions, 'ca'>): ConnectionOptions {
  return {
    servername: isIP(ep.host) ? undefined : ep.host,
    rejectUnauthorized: false,
    // Hostname is judged separately so a mismatch and a bad chain are two findings.
    checkServerIdentity: () => undefined,
    ...(opts.ca && opts.ca.length > 0 ? { ca: [...rootCertificates, ...opts.ca] } : {}),
  };
}

/** Opens a TLS session on the endpoint the way a client would (STARTTLS after EHLO, or implicit). */
export async function openTls(
  ep: TlsEndpoint,
  opts: ProbeOptions,
  extra: ConnectionOptions = {},
): Promise<{ socket: TLSSocket; starttlsOffered: boolean; authBeforeTls: string[]; close(): void }> {
  const tlsOpts = { ...tlsOptions(ep, opts), ...extra };
  if (ep.mode === 'implicit') {
    const socket = await handshake(
      () => tlsConnect({ ...tlsOpts, host: ep.address, port: ep.port }).unref(),
      opts.timeoutMs,
      `${ep.address}:${ep.port}`,
    );
    return { socket, starttlsOffered: true, authBeforeTls: [], close: () => socket.destroy() };
  }
  const { conn, banner } = await SmtpConnection.open(ep, opts.timeoutMs);
  try {
    if (banner.code !== 220)
      throw new ProbeError(`${conn.where} greeted with ${banner.code} ${banner.lines[0]}`);
    const ext = extensions(await conn.ehlo(opts.heloName));
    const authBeforeTls = (ext.get('AUTH') ?? '').split(/\s+/).filter(Boolean);
    if (!ext.has('STARTTLS')) {
      conn.close();
      return { socket: null as unknown as TLSSocket, starttlsOffered: false, authBeforeTls, close() {} };
    }
    const socket = await conn.starttls(tlsOpts);
    return { socket, starttlsOffered: true, authBeforeTls, close: () => conn.close() };
  } catch (e) {
    conn.close();
    throw e;
  }
}

export async function inspectTls(ep: TlsEndpoint, opts: ProbeOptions): Promise<TlsSession> {
  const s = await openTls(ep, opts);
  if (!s.starttlsOffered)
    return { starttlsOffered: false, authBeforeTls: s.authBeforeTls, authorized: false, chain: [] };
  try {
    const sock = s.socket;
    const peer = sock.getPeerCertificate(true);
    const chain = certChain(peer);
    const hostErr = isIP(ep.host) ? undefined : checkServerIdentity(ep.host, peer);
    return {
      starttlsOffered: true,
      authBeforeTls: s.authBeforeTls,
      protocol: sock.getProtocol() ?? undefined,
      cipher: sock.getCipher()?.standardName ?? sock.getCipher()?.name,
      authorized: sock.authorized,
      authorizationError: sock.authorizationError ? String(sock.authorizationError) : undefined,
      hostnameError: hostErr?.message,
      chain,
    };
  } finally {
    s.close();
  }
}

function certChain(peer: DetailedPeerCertificate): CertInfo[] {
  const out: CertInfo[] = [];
  let c: DetailedPeerCertificate | undefined = peer;
  const seen = new Set<string>();
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(describeCert(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

export function describeCert(raw: Buffer): CertInfo {
  const x = new X509Certificate(raw);
  const key = x.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  return {
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    validTo: new Date(x.validTo).toISOString(),
    daysLeft: Math.floor((new Date(x.validTo).getTime() - Date.now()) / 86_400_000),
    keyType: key.asymmetricKeyType ?? 'unknown',
    keyBits: d.modulusLength,
    curve: d.namedCurve,
    raw,
    spki: key.export({ type: 'spki', format: 'der' }),
  };
}

export type HandshakeOutcome =
  | { result: 'accepted'; protocol: string; cipher: string }
  | { result: 'refused'; reason: string }
  /** Our own OpenSSL would not even offer it (security level, cipher not compiled in). */
  | { result: 'untestable'; reason: string };

/** OpenSSL errors raised by the client before the server had a say. */
const localRefusals =
  /NO_PROTOCOLS_AVAILABLE|LEGACY_SIGALG|NO_CIPHERS_AVAILABLE|no cipher match|NO_SUITABLE|UNSUPPORTED_PROTOCOL/i;

/** One handshake with restricted versions/ciphers: did the server accept it? */
export async function tryHandshake(
  ep: TlsEndpoint,
  opts: ProbeOptions,
  extra: ConnectionOptions,
): Promise<HandshakeOutcome> {
  try {
    const s = await openTls(ep, opts, extra);
    if (!s.starttlsOffered) return { result: 'untestable', reason: 'STARTTLS not offered' };
    const out = {
      result: 'accepted' as const,
      protocol: s.socket.getProtocol() ?? '?',
      cipher: s.socket.getCipher()?.standardName ?? '?',
    };
    s.close();
    return out;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    const code = typeof cause === 'object' && cause && 'code' in cause ? String(cause.code) : '';
    const msg = cause instanceof Error ? cause.message : String(cause);
    if (localRefusals.test(code) || localRefusals.test(msg))
      return { result: 'untestable', reason: msg.split('\n')[0] };
    if (e instanceof ProbeError && !/TLS handshake/.test(e.message)) throw e;
    return { result: 'refused', reason: code || msg.split('\n')[0] };
  }
}

/** Sends a hand-made ClientHello where a TLS handshake would start; returns the server's first answer. */
export async function rawHello(ep: TlsEndpoint, opts: ProbeOptions, hello: Buffer): Promise<HelloAnswer> {
  if (ep.mode === 'implicit')
    return sendHello(await connectSocket(ep, opts.timeoutMs), hello, opts.timeoutMs);
  const { conn, banner } = await SmtpConnection.open(ep, opts.timeoutMs);
  try {
    if (banner.code !== 220)
      throw new ProbeError(`${conn.where} greeted with ${banner.code} ${banner.lines[0]}`);
    const ext = extensions(await conn.ehlo(opts.heloName));
    if (!ext.has('STARTTLS')) throw new ProbeError(`${conn.where} does not offer STARTTLS`);
    return await sendHello(await conn.detachForTls(), hello, opts.timeoutMs);
  } finally {
    conn.close();
  }
}
