/**
 * Tokenizer for one framed IMAP command (see framer.ts): tag, command name and argument
 * tokens. Atoms keep a bracketed section with its spaces ("BODY[HEADER.FIELDS (A B)]<0.9>")
 * as one token, so the fetch-attribute parser sees it whole. Hostile input throws
 * ImapParseError, which the session turns into a tagged BAD.
 */

export type Token =
  | { type: 'atom'; value: string }
  | { type: 'string'; value: Buffer; literal: boolean }
  | { type: 'list'; items: Token[] };

export interface RawCommand {
  tag: string;
  /** Upper-cased command name; for "UID FETCH" this is "FETCH" and uid is true. */
  name: string;
  uid: boolean;
  args: Token[];
}

export class ImapParseError extends Error {
  constructor(
    message: string,
    /** The tag if it could be read, else "*". */
    readonly tag = '*',
  ) {
    super(message);
    this.name = 'ImapParseError';
  }
}

const MAX_DEPTH = 32;
const MAX_TOKENS = 100_000;
const TAG_RE = /^[!#$&'*,-./0-9:;<=>?@A-Z[\]^_`a-z|~]+$/;

class Cursor {
  pos = 0;
  tokens = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  peek(): number {
    return this.buf[this.pos];
  }
}

function isAtomEnd(c: number): boolean {
  // SP ( ) and CTLs end an atom; "{" and quote are not atom chars either.
  return c === 32 || c === 40 || c === 41 || c < 32 || c === 127 || c === 34 || c === 123;
}

function readAtom(c: Cursor): string {
  const start = c.pos;
  let depth = 0;
  while (!c.done) {
    const ch = c.peek();
    if (ch === 91) depth++;
    else if (ch === 93 && depth > 0) depth--;
    else if (depth === 0 && isAtomEnd(ch)) break;
    else if (depth > 0 && (ch < 32 || ch === 127)) throw new ImapParseError('control character in section');
    c.pos++;
  }
  if (depth > 0) throw new ImapParseError('unterminated [ in atom');
  if (c.pos === start) throw new ImapParseError(`unexpected character ${describe(c.peek())}`);
  return c.buf.toString('latin1', start, c.pos);
}

function describe(ch: number | undefined): string {
  if (ch === undefined) return 'end of line';
  return ch >= 33 && ch < 127 ? `"${String.fromCharCode(ch)}"` : `0x${ch.toString(16)}`;
}

function readQuoted(c: Cursor): Buffer {
  c.pos++; // opening quote
  const bytes: number[] = [];
  while (!c.done) {
    const ch = c.buf[c.pos++];
    if (ch === 34) return Buffer.from(bytes);
    if (ch === 92) {
      const next = c.buf[c.pos++];
      if (next !== 34 && next !== 92) throw new ImapParseError('bad escape in quoted string');
      bytes.push(next);
    } else if (ch === 13 || ch === 10 || ch === 0) {
      throw new ImapParseError('CR, LF or NUL in quoted string');
    } else bytes.push(ch);
  }
  throw new ImapParseError('unterminated quoted string');
}

function readLiteral(c: Cursor): Buffer {
  const close = c.buf.indexOf('}', c.pos);
  const m = close > 0 ? /^\{(\d{1,20})\+?\}$/.exec(c.buf.toString('latin1', c.pos, close + 1)) : null;
  if (!m) throw new ImapParseError('bad literal');
  const size = Number(m[1]);
  if (c.buf[close + 1] !== 13 || c.buf[close + 2] !== 10) throw new ImapParseError('literal without CRLF');
  const start = close + 3;
  if (start + size > c.buf.length) throw new ImapParseError('literal shorter than announced');
  c.pos = start + size;
  return c.buf.subarray(start, start + size);
}

function readToken(c: Cursor, depth: number): Token {
  if (++c.tokens > MAX_TOKENS) throw new ImapParseError('too many tokens');
  const ch = c.peek();
  if (ch === 34) return { type: 'string', value: readQuoted(c), literal: false };
  if (ch === 123) return { type: 'string', value: readLiteral(c), literal: true };
  if (ch === 40) {
    if (depth >= MAX_DEPTH) throw new ImapParseError('lists nested too deeply');
    c.pos++;
    const items = readList(c, depth + 1, 41);
    return { type: 'list', items };
  }
  return { type: 'atom', value: readAtom(c) };
}

/** Reads space-separated tokens until `close` (a byte) or the end when close is -1. */
function readList(c: Cursor, depth: number, close: number): Token[] {
  const items: Token[] = [];
  for (;;) {
    if (c.done) {
      if (close === -1) return items;
      throw new ImapParseError('unterminated list');
    }
    if (c.peek() === close) {
      c.pos++;
      return items;
    }
    if (items.length > 0) {
      if (c.peek() !== 32) throw new ImapParseError(`expected space, got ${describe(c.peek())}`);
      c.pos++;
      if (c.done && close === -1) throw new ImapParseError('trailing space');
    }
    items.push(readToken(c, depth));
  }
}

/** Splits off the tag and the command name, and tokenizes the arguments. */
export function parseCommand(data: Buffer): RawCommand {
  const sp = data.indexOf(32);
  const tagText = data.toString('latin1', 0, sp < 0 ? Math.min(data.length, 64) : Math.min(sp, 64));
  if (!TAG_RE.test(tagText) || tagText.includes('+')) throw new ImapParseError('missing or invalid tag');
  if (sp < 0) throw new ImapParseError('missing command', tagText);
  const c = new Cursor(data);
  c.pos = sp + 1;
  try {
    const first = readAtom(c).toUpperCase();
    let name = first;
    let uid = false;
    if (first === 'UID') {
      if (c.peek() !== 32) throw new ImapParseError('UID needs a command');
      c.pos++;
      name = readAtom(c).toUpperCase();
      uid = true;
    }
    if (!/^[A-Z0-9.-]+$/.test(name)) throw new ImapParseError('invalid command name');
    let args: Token[] = [];
    if (!c.done) {
      if (c.peek() !== 32) throw new ImapParseError(`expected space, got ${describe(c.peek())}`);
      c.pos++;
      args = readList(c, 0, -1);
    }
    return { tag: tagText, name, uid, args };
  } catch (e) {
    if (e instanceof ImapParseError) throw new ImapParseError(e.message, tagText);
    throw e;
  }
}

/** Tokenizes a continuation line (IDLE's DONE, AUTHENTICATE responses) — just its text. */
export function lineText(data: Buffer): string {
  return data.toString('latin1');
}
