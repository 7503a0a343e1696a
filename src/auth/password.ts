/**
 * Password hashes in Dovecot's `{SCHEME}hash` form. New passwords get {ARGON2ID} (the same
 * encoding Dovecot writes, so a Dovecot could read our directory); imported legacy schemes
 * keep working and are upgraded after the next successful login (needsRehash).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { bcryptVerify } from 'hash-wasm';
import { MailctlError } from '../errors.js';
import { argon2HashEncoded, argon2VerifyEncoded } from './argon2.js';
import { isShaCrypt, verifyShaCrypt } from './shacrypt.js';

export const CURRENT_SCHEME = 'ARGON2ID';

/** OWASP's argon2id baseline (19 MiB, 2 passes): ~25 ms on the thread pool here, affordable per login. */
const ARGON2 = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

/** Schemes we can verify. PLAIN is accepted on import only and hashed there. */
export const VERIFIABLE_SCHEMES = [
  'ARGON2ID',
  'ARGON2', // OpenLDAP's name (pw-argon2); the encoded string says which variant
  'ARGON2I',
  'SHA512-CRYPT',
  'SHA256-CRYPT',
  'BLF-CRYPT',
  'SSHA',
  'SSHA256',
  'SSHA512',
  'SHA',
  'SHA256',
  'SHA512',
  'CRYPT',
] as const;

export async function hashPassword(password: string): Promise<string> {
  const encoded = await argon2HashEncoded(password, {
    variant: 'argon2id',
    m: ARGON2.memorySize,
    t: ARGON2.iterations,
    p: ARGON2.parallelism,
    length: ARGON2.hashLength,
  });
  return `{${CURRENT_SCHEME}}${encoded}`;
}

/** The same argon2id hash under OpenLDAP's scheme name, so slapd (pw-argon2) can check binds too. */
export function toLdapScheme(hash: string): string {
  return hash.replace(/^\{ARGON2ID\}/, '{ARGON2}');
}

/** Splits `{SCHEME}rest`; a bare `$6$…`/`$2y$…` crypt string is recognised too. */
export function splitHash(stored: string): { scheme: string; value: string } | undefined {
  const m = /^\{([A-Za-z0-9.-]+)\}(.*)$/s.exec(stored);
  if (m) return { scheme: m[1].toUpperCase(), value: m[2] };
  if (stored.startsWith('$')) return { scheme: cryptScheme(stored) ?? 'CRYPT', value: stored };
  return undefined;
}

function cryptScheme(v: string): string | undefined {
  if (v.startsWith('$6$')) return 'SHA512-CRYPT';
  if (v.startsWith('$5$')) return 'SHA256-CRYPT';
  if (/^\$2[abxy]?\$/.test(v)) return 'BLF-CRYPT';
  if (v.startsWith('$argon2id$')) return 'ARGON2ID';
  if (v.startsWith('$argon2i$')) return 'ARGON2I';
  return undefined;
}

export function needsRehash(stored: string): boolean {
  const parts = splitHash(stored);
  if (!parts || !(parts.scheme === CURRENT_SCHEME || parts.scheme === 'ARGON2')) return true;
  if (!parts.value.startsWith('$argon2id$')) return true;
  const m = /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(parts.value);
  return !m || Number(m[1]) < ARGON2.memorySize || Number(m[2]) < ARGON2.iterations;
}

/** Never throws for a wrong password or a malformed hash: both are simply `false`. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = splitHash(stored);
  if (!parts) return false;
  try {
    return await verifyScheme(parts.scheme, parts.value, password);
  } catch {
    return false;
  }
}

async function verifyScheme(scheme: string, value: string, password: string): Promise<boolean> {
  switch (scheme) {
    case 'ARGON2ID':
    case 'ARGON2I':
    case 'ARGON2':
      return argon2VerifyEncoded(password, value);
    case 'SHA512-CRYPT':
    case 'SHA256-CRYPT':
      return verifyShaCrypt(password, value);
    case 'BLF-CRYPT':
      // $2y$ (PHP/Dovecot) and $2b$ are the same algorithm; hash-wasm knows $2a$/$2b$.
      return bcryptVerify({ password, hash: value.replace(/^\$2[xy]\$/, '$2b$') });
    case 'CRYPT': {
      const inner = cryptScheme(value);
      return inner ? verifyScheme(inner, value, password) : false;
    }
    case 'SSHA':
      return saltedDigest('sha1', 20, value, password);
    case 'SSHA256':
      return saltedDigest('sha256', 32, value, password);
    case 'SSHA512':
      return saltedDigest('sha512', 64, value, password);
    case 'SHA':
    case 'SHA1':
      return plainDigest('sha1', value, password);
    case 'SHA256':
      return plainDigest('sha256', value, password);
    case 'SHA512':
      return plainDigest('sha512', value, password);
    default:
      return false;
  }
}

/** {SSHA*}: base64(digest(password + salt) + salt). */
function saltedDigest(algo: string, size: number, value: string, password: string): boolean {
  const raw = Buffer.from(value, 'base64');
  if (raw.length <= size) return false;
  const salt = raw.subarray(size);
  const want = raw.subarray(0, size);
  const got = createHash(algo).update(password, 'utf8').update(salt).digest();
  return timingSafeEqual(want, got);
}

function plainDigest(algo: string, value: string, password: string): boolean {
  const want = Buffer.from(value, 'base64');
  const got = createHash(algo).update(password, 'utf8').digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * Checks a hash given for import and returns what to store. {PLAIN} and {CLEAR} are
 * hashed with the current scheme here, so no clear-text password ever reaches the directory.
 */
export async function importHash(stored: string): Promise<string> {
  const parts = splitHash(stored.trim());
  if (!parts) {
    throw new MailctlError('invalid-input', 'the password hash has no {SCHEME} prefix', {
      hint: `write it as {SHA512-CRYPT}$6$…; supported: ${VERIFIABLE_SCHEMES.join(', ')}, PLAIN`,
    });
  }
  if (parts.scheme === 'PLAIN' || parts.scheme === 'CLEAR') return hashPassword(parts.value);
  if (!(VERIFIABLE_SCHEMES as readonly string[]).includes(parts.scheme)) {
    throw new MailctlError('invalid-input', `unsupported password scheme {${parts.scheme}}`, {
      hint: `supported: ${VERIFIABLE_SCHEMES.join(', ')}, PLAIN (hashed on import)`,
    });
  }
  if (parts.scheme === 'CRYPT' && !cryptScheme(parts.value)) {
    throw new MailctlError('invalid-input', `unsupported crypt(3) variant ${parts.value.slice(0, 3)}`, {
      hint: 'only $5$, $6$ (SHA-crypt), $2y$/$2b$ (bcrypt) and argon2 crypt strings can be verified',
    });
  }
  if (!wellFormed(parts.scheme, parts.value)) {
    throw new MailctlError('invalid-input', `malformed {${parts.scheme}} hash`, {
      hint: 'copy the whole hash from the legacy user database',
    });
  }
  return stored.startsWith('{') ? `{${parts.scheme}}${parts.value}` : `{${parts.scheme}}${stored}`;
}

function wellFormed(scheme: string, v: string): boolean {
  switch (scheme) {
    case 'SHA512-CRYPT':
    case 'SHA256-CRYPT':
      return isShaCrypt(v) && v.startsWith(scheme === 'SHA512-CRYPT' ? '$6$' : '$5$');
    case 'BLF-CRYPT':
      return /^\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}$/.test(v);
    case 'ARGON2ID':
    case 'ARGON2I':
    case 'ARGON2':
      return /^\$argon2(id|i|d)\$/.test(v);
    case 'CRYPT':
      return cryptScheme(v) !== undefined;
    default:
      return /^[A-Za-z0-9+/]+={0,2}$/.test(v);
  }
}
