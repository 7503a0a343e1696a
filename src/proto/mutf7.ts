/**
 * Modified UTF-7 for IMAP mailbox names (RFC 3501 §5.1.3). Pure; used by the store (Maildir++
 * directory names), IMAP (wire names) and migration (legacy servers' names).
 *
 * Printable US-ASCII 0x20–0x7e stands for itself except "&", written "&-". Everything else is
 * UTF-16 in modified BASE64 ("," instead of "/", no padding) between "&" and "-".
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const B64_INDEX = new Map<string, number>([...B64].map((c, i) => [c, i]));

function isDirect(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

/** UTF-8 (JS string) → modified UTF-7. */
export function encodeMutf7(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (isDirect(code)) {
      out += code === 0x26 ? '&-' : text[i];
      i++;
      continue;
    }
    // Collect the run of non-direct UTF-16 code units.
    const units: number[] = [];
    while (i < text.length && !isDirect(text.charCodeAt(i))) {
      units.push(text.charCodeAt(i));
      i++;
    }
    out += `&${encodeUnits(units)}-`;
  }
  return out;
}

function encodeUnits(units: number[]): string {
  let bits = 0;
  let nbits = 0;
  let out = '';
  for (const u of units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out += B64[(bits >> nbits) & 0x3f];
    }
    bits &= (1 << nbits) - 1;
  }
  if (nbits > 0) out += B64[(bits << (6 - nbits)) & 0x3f];
  return out;
}

export class Mutf7Error extends Error {
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(`${message}: ${JSON.stringify(input)}`);
    this.name = 'Mutf7Error';
  }
}

/**
 * Modified UTF-7 → UTF-8 (JS string). Strict: rejects what RFC 3501 forbids (raw 8-bit,
 * unterminated shifts, "&" runs encoding ASCII, non-zero padding bits, lone surrogates),
 * because a lenient decoder lets two different names map to one folder.
 */
export function decodeMutf7(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const code = text.charCodeAt(i);
    if (!isDirect(code)) throw new Mutf7Error('character not allowed in modified UTF-7', text);
    if (c !== '&') {
      out += c;
      i++;
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end < 0) throw new Mutf7Error('unterminated "&" shift', text);
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    out += decodeRun(text.slice(i + 1, end), text);
    i = end + 1;
  }
  return out;
}

function decodeRun(run: string, whole: string): string {
  let bits = 0;
  let nbits = 0;
  const units: number[] = [];
  for (const ch of run) {
    const v = B64_INDEX.get(ch);
    if (v === undefined) throw new Mutf7Error('bad base64 character in "&" run', whole);
    bits = ((bits << 6) | v) & 0xffffff;
    nbits += 6;
    if (nbits >= 16) {
      nbits -= 16;
      units.push((bits >> nbits) & 0xffff);
    }
  }
  if (nbits >= 6 || (bits & ((1 << nbits) - 1)) !== 0) {
    throw new Mutf7Error('bad padding in "&" run', whole);
  }
  let s = '';
  for (let k = 0; k < units.length; k++) {
    const u = units[k];
    if (isDirect(u)) throw new Mutf7Error('"&" run encodes printable ASCII', whole);
    if (u >= 0xd800 && u <= 0xdbff) {
      const lo = units[k + 1];
      if (lo === undefined || lo < 0xdc00 || lo > 0xdfff) throw new Mutf7Error('lone surrogate', whole);
      s += String.fromCharCode(u, lo);
      k++;
      continue;
    }
    if (u >= 0xdc00 && u <= 0xdfff) throw new Mutf7Error('lone surrogate', whole);
    s += String.fromCharCode(u);
  }
  return s;
}

/** True when the text is valid modified UTF-7 (a name a legacy server may send either way). */
export function isMutf7(text: string): boolean {
  try {
    decodeMutf7(text);
    return true;
  } catch {
    return false;
  }
}
