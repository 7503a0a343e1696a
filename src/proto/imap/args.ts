/**
 * Typed readers over a command's argument tokens: astrings, sequence sets, flag lists,
 * dates. Each throws ImapParseError with a message fit for a tagged BAD.
 */
import { ImapParseError, type Token } from './tokens.js';

export class Args {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.tokens.length - this.i;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  next(label: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new ImapParseError(`${this.what}: missing ${label}`);
    return t;
  }

  /** Atom or string, as latin1 (bytes) text. */
  astring(label: string): string {
    return astringOf(this.next(label), label);
  }

  /** Atom or string as raw bytes (APPEND message, search strings in a charset). */
  bytes(label: string): Buffer {
    const t = this.next(label);
    if (t.type === 'string') return t.value;
    if (t.type === 'atom') return Buffer.from(t.value, 'latin1');
    throw new ImapParseError(`${label}: expected a string`);
  }

  atom(label: string): string {
    const t = this.next(label);
    if (t.type !== 'atom') throw new ImapParseError(`${label}: expected an atom`);
    return t.value;
  }

  number(label: string): number {
    const v = this.atom(label);
    return parseNumber(v, label);
  }

  list(label: string): Token[] {
    const t = this.next(label);
    if (t.type !== 'list') throw new ImapParseError(`${label}: expected a parenthesized list`);
    return t.items;
  }

  optionalList(): Token[] | undefined {
    const t = this.peek();
    if (t?.type !== 'list') return undefined;
    this.i++;
    return t.items;
  }

  end(): void {
    if (this.i < this.tokens.length) throw new ImapParseError(`${this.what}: unexpected extra arguments`);
  }
}

export function astringOf(t: Token, label: string): string {
  if (t.type === 'string') return t.value.toString('latin1');
  if (t.type === 'atom') return t.value;
  throw new ImapParseError(`${label}: expected a string`);
}

export function parseNumber(v: string, label: string): number {
  if (!/^\d{1,20}$/.test(v)) throw new ImapParseError(`${label}: expected a number`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ImapParseError(`${label}: number too large`);
  return n;
}

/** A range with "*" kept as Infinity until resolved against the mailbox. */
export type SeqRange = [number, number];
export type SequenceSet = SeqRange[] | '$';

const STAR = Number.POSITIVE_INFINITY;

/** RFC 3501 sequence-set: "1,3:5,7:*"; "$" (RFC 5182 saved result) is recognised but unsupported. */
export function parseSequenceSet(v: string): SeqRange[] {
  if (!/^[\d:*,]+$/.test(v) || v.length > 10_000) throw new ImapParseError('invalid sequence set');
  const out: SeqRange[] = [];
  for (const part of v.split(',')) {
    const ends = part.split(':');
    if (ends.length > 2 || ends.some((e) => e === '')) throw new ImapParseError('invalid sequence set');
    const nums = ends.map((e) => {
      if (e === '*') return STAR;
      const n = parseNumber(e, 'sequence set');
      if (n === 0 || n > 0xffffffff) throw new ImapParseError('sequence numbers start at 1');
      return n;
    });
    const a = nums[0];
    const b = nums[1] ?? a;
    out.push(a <= b ? [a, b] : [b, a]);
  }
  return out;
}

/** Resolves "*" to `max` (the highest number in use) and reorders ranges such as "5:*" when max < 5. */
export function resolveSet(set: SeqRange[], max: number): SeqRange[] {
  return set.map(([a, b]) => {
    const x = a === STAR ? max : a;
    const y = b === STAR ? max : b;
    return x <= y ? [x, y] : [y, x];
  });
}

export function inSet(n: number, resolved: SeqRange[]): boolean {
  for (const [a, b] of resolved) if (n >= a && n <= b) return true;
  return false;
}

/** Compact form of a sorted list of numbers: [1,2,3,7] → "1:3,7" (UIDPLUS responses). */
export function formatSet(nums: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < nums.length) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    out.push(j > i ? `${nums[i]}:${nums[j]}` : String(nums[i]));
    i = j + 1;
  }
  return out.join(',');
}

export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];
const SYSTEM_BY_LOWER = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/** A flag-list for STORE/APPEND: system flags canonically capitalised, keywords validated. */
export function parseFlags(tokens: Token[], allowRecent = false): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (t.type !== 'atom') throw new ImapParseError('flags must be atoms');
    out.push(canonicalFlag(t.value, allowRecent));
  }
  return [...new Set(out)];
}

export function canonicalFlag(v: string, allowRecent = false): string {
  if (v.startsWith('\\')) {
    const sys = SYSTEM_BY_LOWER.get(v.toLowerCase());
    if (sys) return sys;
    if (allowRecent && v.toLowerCase() === '\\recent') return '\\Recent';
    throw new ImapParseError(`unknown system flag ${v.slice(0, 40)}`);
  }
  if (!/^[!#$&'+\-./0-9:;<=>?@A-Z^_`a-z|~]{1,100}$/.test(v)) throw new ImapParseError('invalid keyword');
  return v;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** SEARCH date "1-Feb-1994" → [year, monthIndex, day] (compared as calendar dates). */
export function parseSearchDate(v: string): { y: number; m: number; d: number } {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(v);
  const mon = m ? MONTHS.indexOf(m[2].toLowerCase()) : -1;
  if (!m || mon < 0 || Number(m[1]) < 1 || Number(m[1]) > 31)
    throw new ImapParseError(`invalid date ${v.slice(0, 30)}`);
  return { y: Number(m[3]), m: mon, d: Number(m[1]) };
}

/** APPEND date-time " 7-Feb-1994 21:52:25 -0800". */
export function parseDateTime(v: string): Date {
  const m = /^([ \d]?\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(v);
  const mon = m ? MONTHS.indexOf(m[2].toLowerCase()) : -1;
  if (!m || mon < 0) throw new ImapParseError(`invalid date-time ${v.slice(0, 40)}`);
  const [d, h, mi, s, zh, zm] = [m[1], m[4], m[5], m[6], m[8], m[9]].map((x) => Number(x.trim()));
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || zm > 59)
    throw new ImapParseError('invalid date-time');
  const offset = (m[7] === '-' ? -1 : 1) * (zh * 60 + zm);
  return new Date(Date.UTC(Number(m[3]), mon, d, h, mi, s) - offset * 60_000);
}

/** INTERNALDATE as IMAP prints it: "17-Jul-1996 02:44:25 +0000" (always UTC). */
export function formatDateTime(d: Date): string {
  const mon = MONTHS[d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${mon[0].toUpperCase()}${mon.slice(1)}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
