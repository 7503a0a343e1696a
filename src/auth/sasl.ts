/**
 * SASL PLAIN (RFC 4616) and LOGIN decoding shared by SMTP, IMAP and POP3. Pure functions:
 * they never throw on client input, they return a result the session turns into a reply.
 */

export interface SaslCredentials {
  /** Authorization identity (who to act as); "" when the client did not give one. */
  authzid: string;
  /** Authentication identity (whose password this is). */
  authcid: string;
  password: string;
}

export type SaslResult =
  | { ok: true; credentials: SaslCredentials }
  | { ok: false; reason: 'cancelled' | 'bad-base64' | 'bad-utf8' | 'malformed' | 'too-long' };

/** RFC 4616 limits each field to 255 octets; we allow more for long passphrases but stay bounded. */
const MAX_FIELD = 1024;
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (RFC 4648, padding required); undefined for anything else. */
export function decodeBase64(text: string): Buffer | undefined {
  const t = text.trim();
  if (t.length > MAX_FIELD * 4 || !B64.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function utf8(b: Buffer): string | undefined {
  try {
    return decoder.decode(b);
  } catch {
    return undefined;
  }
}

/** The client's "*" line aborts an exchange (RFC 4954 §4, RFC 3501 §6.2.2). */
export function isCancel(line: string): boolean {
  return line.trim() === '*';
}

/** Decodes the PLAIN message `authzid NUL authcid NUL passwd` from base64. */
export function decodePlain(b64: string): SaslResult {
  if (isCancel(b64)) return { ok: false, reason: 'cancelled' };
  const raw = decodeBase64(b64);
  if (!raw) return { ok: false, reason: 'bad-base64' };
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      parts.push(raw.subarray(start, i));
      start = i + 1;
    }
  }
  parts.push(raw.subarray(start));
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  if (parts.some((p) => p.length > MAX_FIELD)) return { ok: false, reason: 'too-long' };
  const [authzid, authcid, password] = parts.map(utf8);
  if (authzid === undefined || authcid === undefined || password === undefined) {
    return { ok: false, reason: 'bad-utf8' };
  }
  if (authcid === '' || password === '') return { ok: false, reason: 'malformed' };
  return { ok: true, credentials: { authzid, authcid, password } };
}

/** Base64 challenges of the LOGIN mechanism. */
export const LOGIN_USERNAME_PROMPT = Buffer.from('Username:').toString('base64');
export const LOGIN_PASSWORD_PROMPT = Buffer.from('Password:').toString('base64');

/** Decodes one LOGIN response (user name or password). */
export function decodeLoginField(
  b64: string,
): { ok: true; value: string } | { ok: false; reason: SaslFailure } {
  if (isCancel(b64)) return { ok: false, reason: 'cancelled' };
  const raw = decodeBase64(b64);
  if (!raw) return { ok: false, reason: 'bad-base64' };
  if (raw.length > MAX_FIELD) return { ok: false, reason: 'too-long' };
  const v = utf8(raw);
  if (v === undefined) return { ok: false, reason: 'bad-utf8' };
  if (v === '' || v.includes('\0')) return { ok: false, reason: 'malformed' };
  return { ok: true, value: v };
}

export type SaslFailure = Extract<SaslResult, { ok: false }>['reason'];

/** Encodes PLAIN credentials (for clients and tests). */
export function encodePlain(authcid: string, password: string, authzid = ''): string {
  return Buffer.from(`${authzid}\0${authcid}\0${password}`, 'utf8').toString('base64');
}

/**
 * The identity a session acts as. We allow no proxy authorization: an authzid must be
 * empty or name the same user (case-insensitively), else the login is refused.
 */
export function effectiveIdentity(c: SaslCredentials): string | undefined {
  if (c.authzid === '' || c.authzid.toLowerCase() === c.authcid.toLowerCase()) return c.authcid;
  return undefined;
}
