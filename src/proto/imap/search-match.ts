/**
 * Evaluates a SEARCH key tree against one message. Header and body text are decoded
 * (RFC 2047 words, base64 / quoted-printable, charsets such as ISO-2022-JP and Shift_JIS)
 * before substring matching, case-insensitively. Parts that are plain 7/8-bit US-ASCII
 * or UTF-8 are searched as stored, which keeps SEARCH TEXT fast on ordinary mail.
 */

import { inSet, resolveSet } from './args.js';
import { decodeText } from './charset.js';
import { header, isMessage, type MimePart, parseMime } from './mime.js';
import type { CalDate, SearchKey } from './search.js';

export interface SearchMessage {
  seq: number;
  uid: number;
  flags: readonly string[];
  internalDate: Date;
  size: number;
  modseq: number;
  recent: boolean;
}

export interface SearchScope {
  maxSeq: number;
  maxUid: number;
}

/** Lazily decoded text of one message. */
export class MessageText {
  private root?: MimePart;
  private headerCache = new Map<MimePart, string>();
  private bodyCache?: string[];
  constructor(readonly buf: Buffer) {}

  get mime(): MimePart {
    this.root ??= parseMime(this.buf);
    return this.root;
  }

  /** Decoded values of header `field` (upper-case) of the top-level message. */
  headerValues(field: string): string[] {
    return this.mime.headers.filter((h) => h.key === field).map((h) => decodeHeaderValue(h.value));
  }

  /** The whole decoded header block of a part, lower-cased. */
  headerText(part: MimePart = this.mime): string {
    let t = this.headerCache.get(part);
    if (t === undefined) {
      t = part.headers
        .map((h) => `${h.key}: ${decodeHeaderValue(h.value)}`)
        .join('\n')
        .toLowerCase();
      this.headerCache.set(part, t);
    }
    return t;
  }

  /** Decoded text bodies (text/* leaves, recursing into attached messages), lower-cased. */
  bodies(): string[] {
    if (!this.bodyCache) {
      this.bodyCache = [];
      this.collect(this.mime, this.bodyCache, 0);
    }
    return this.bodyCache;
  }

  private collect(part: MimePart, out: string[], depth: number): void {
    if (depth > 50) return;
    if (part.children.length) {
      for (const c of part.children) this.collect(c, out, depth + 1);
      return;
    }
    if (isMessage(part.contentType) && part.message) {
      out.push(this.headerText(part.message));
      this.collect(part.message, out, depth + 1);
      return;
    }
    if (part.contentType.type !== 'TEXT') return;
    out.push(decodeBody(this.buf.subarray(part.bodyStart, part.bodyEnd), part).toLowerCase());
  }
}

/** RFC 2047 encoded words, decoded with our charset table (ISO-2022-JP included). */
function decodeWords(v: string): string {
  return v
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g,
      (_m, cs: string, enc: string, text: string) => {
        const bytes =
          enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQp(text.replace(/_/g, ' '));
        return decodeText(bytes, cs);
      },
    );
}

function decodeHeaderValue(raw: string): string {
  const bytes = Buffer.from(raw, 'latin1');
  const text = isUtf8(bytes) ? bytes.toString('utf8') : decodeText(bytes, 'windows-1252');
  return decodeWords(text);
}

function isUtf8(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] > 127) return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
  return true;
}

function decodeBody(raw: Buffer, part: MimePart): string {
  const cte = (header(part.headers, 'CONTENT-TRANSFER-ENCODING') ?? '').trim().toLowerCase();
  let bytes = raw;
  if (cte === 'base64') bytes = Buffer.from(raw.toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  else if (cte === 'quoted-printable') bytes = decodeQp(raw.toString('latin1'));
  return decodeText(bytes, part.contentType.params.find(([k]) => k === 'CHARSET')?.[1] ?? 'us-ascii');
}

function decodeQp(s: string): Buffer {
  const t = s.replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(t.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(t.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function cmpDate(a: CalDate, b: CalDate): number {
  return a.y - b.y || a.m - b.m || a.d - b.d;
}

/** The calendar date written in a Date: header (its own zone, as RFC 3501 asks). */
function sentDate(v: string | undefined): CalDate | undefined {
  const m = v ? /(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})/.exec(v) : null;
  if (!m) return undefined;
  const mon = MONTHS.indexOf(m[2].toLowerCase());
  if (mon < 0) return undefined;
  let y = Number(m[3]);
  if (y < 50) y += 2000;
  else if (y < 1000) y += 1900;
  return { y, m: mon, d: Number(m[1]) };
}

function internalCal(d: Date): CalDate {
  return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate() };
}

function hasFlag(flags: readonly string[], f: string): boolean {
  if (f.startsWith('\\')) return flags.includes(f);
  const lower = f.toLowerCase();
  return flags.some((x) => x.toLowerCase() === lower);
}

/** True if the message matches. `text` must be given when keyNeedsContent(key). */
export function matchKey(k: SearchKey, m: SearchMessage, scope: SearchScope, text?: MessageText): boolean {
  switch (k.op) {
    case 'all':
      return true;
    case 'and':
      return k.keys.every((x) => matchKey(x, m, scope, text));
    case 'or':
      return matchKey(k.a, m, scope, text) || matchKey(k.b, m, scope, text);
    case 'not':
      return !matchKey(k.key, m, scope, text);
    case 'seq':
      return inSet(m.seq, resolveSet(k.set, scope.maxSeq));
    case 'uid':
      return inSet(m.uid, resolveSet(k.set, scope.maxUid));
    case 'flag':
      return hasFlag(m.flags, k.flag) === k.set;
    case 'recent':
      return m.recent === k.set;
    case 'new':
      return m.recent && !m.flags.includes('\\Seen');
    case 'size':
      return k.cmp === 'larger' ? m.size > k.n : m.size < k.n;
    case 'modseq':
      return m.modseq >= k.n;
    case 'date': {
      const d =
        k.which === 'internal' ? internalCal(m.internalDate) : sentDate(text?.headerValues('DATE')[0]);
      if (!d) return false;
      const c = cmpDate(d, k.date);
      return k.cmp === 'before' ? c < 0 : k.cmp === 'on' ? c === 0 : c >= 0;
    }
    case 'header': {
      if (!text) return false;
      const needle = k.value.toLowerCase();
      // HEADER x "" matches every message that has the field.
      return text.headerValues(k.field).some((v) => v.toLowerCase().includes(needle));
    }
    case 'body':
    case 'text': {
      if (!text) return false;
      const needle = k.value.toLowerCase();
      if (k.op === 'text' && text.headerText().includes(needle)) return true;
      return text.bodies().some((b) => b.includes(needle));
    }
  }
}
