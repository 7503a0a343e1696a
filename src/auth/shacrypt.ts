/**
 * SHA-crypt ($5$ / $6$), Ulrich Drepper's "Unix crypt using SHA-256 and SHA-512" — the
 * {SHA256-CRYPT} / {SHA512-CRYPT} schemes of Dovecot and glibc. Implemented here because
 * Node has no crypt(3); verified against `openssl passwd -6` and `doveadm pw` in the tests.
 */
import { createHash } from 'node:crypto';

const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DEFAULT_ROUNDS = 5000;

type Algo = 'sha256' | 'sha512';

const ORDER: Record<Algo, number[][]> = {
  sha256: [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
  ],
  sha512: [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
  ],
};

function b64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ALPHABET[w & 0x3f];
    w >>= 6;
  }
  return out;
}

/** Repeats `block` to exactly `len` bytes. */
function stretch(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += block.length) block.copy(out, i, 0, Math.min(block.length, len - i));
  return out;
}

function digest(algo: Algo, rounds: number, pw: Buffer, salt: Buffer): Buffer {
  const h = () => createHash(algo);
  const size = algo === 'sha256' ? 32 : 64;
  const b = h().update(pw).update(salt).update(pw).digest();
  const a = h().update(pw).update(salt).update(stretch(b, pw.length));
  for (let n = pw.length; n > 0; n >>= 1) a.update(n & 1 ? b : pw);
  let c = a.digest();
  let dp = h();
  for (let i = 0; i < pw.length; i++) dp = dp.update(pw);
  const p = stretch(dp.digest(), pw.length);
  let ds = h();
  for (let i = 0; i < 16 + c[0]; i++) ds = ds.update(salt);
  const s = stretch(ds.digest(), salt.length);
  for (let i = 0; i < rounds; i++) {
    const x = h();
    x.update(i & 1 ? p : c);
    if (i % 3) x.update(s);
    if (i % 7) x.update(p);
    x.update(i & 1 ? c : p);
    c = x.digest();
  }
  if (c.length !== size) throw new Error('unexpected digest size');
  return c;
}

/** Computes a crypt string: `$6$[rounds=N$]salt$hash`. */
export function shaCrypt(algo: Algo, password: string, salt: string, rounds?: number): string {
  const r = Math.min(999_999_999, Math.max(1000, rounds ?? DEFAULT_ROUNDS));
  const saltText = salt.slice(0, 16);
  const c = digest(algo, r, Buffer.from(password, 'utf8'), Buffer.from(saltText, 'utf8'));
  let enc = ORDER[algo].map(([x, y, z]) => b64(c[x], c[y], c[z], 4)).join('');
  enc += algo === 'sha256' ? b64(0, c[31], c[30], 3) : b64(0, 0, c[63], 2);
  const id = algo === 'sha256' ? '5' : '6';
  const roundsPart = rounds === undefined ? '' : `rounds=${r}$`;
  return `$${id}$${roundsPart}${saltText}$${enc}`;
}

const CRYPT_RE = /^\$([56])\$(?:rounds=(\d+)\$)?([^$]{0,16})\$([./0-9A-Za-z]+)$/;

/** True when `crypted` is a well-formed $5$/$6$ string. */
export function isShaCrypt(crypted: string): boolean {
  return CRYPT_RE.test(crypted);
}

/** Recomputes the crypt string from the stored salt/rounds and compares. */
export function verifyShaCrypt(password: string, crypted: string): boolean {
  const m = CRYPT_RE.exec(crypted);
  if (!m) return false;
  const algo: Algo = m[1] === '5' ? 'sha256' : 'sha512';
  const again = shaCrypt(algo, password, m[3], m[2] === undefined ? undefined : Number(m[2]));
  return constantTimeEqual(again, crypted);
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}
