/**
 * SEARCH key parsing (every RFC 3501 key, plus CONDSTORE's MODSEQ) into a tree that
 * search-match.ts evaluates. Search strings are decoded from the command's CHARSET here,
 * so matching works on JavaScript strings.
 */

import { canonicalFlag, parseNumber, parseSearchDate, parseSequenceSet, type SeqRange } from './args.js';
import { decodeText } from './charset.js';
import { ImapParseError, type Token } from './tokens.js';

export type CalDate = { y: number; m: number; d: number };

export type SearchKey =
  | { op: 'all' }
  | { op: 'and'; keys: SearchKey[] }
  | { op: 'or'; a: SearchKey; b: SearchKey }
  | { op: 'not'; key: SearchKey }
  | { op: 'seq'; set: SeqRange[] }
  | { op: 'uid'; set: SeqRange[] }
  | { op: 'flag'; flag: string; set: boolean }
  | { op: 'recent'; set: boolean }
  | { op: 'new' }
  | { op: 'header'; field: string; value: string }
  | { op: 'body'; value: string }
  | { op: 'text'; value: string }
  | { op: 'date'; which: 'internal' | 'sent'; cmp: 'before' | 'on' | 'since'; date: CalDate }
  | { op: 'size'; cmp: 'larger' | 'smaller'; n: number }
  | { op: 'modseq'; n: number };

export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII', 'ISO-2022-JP'];

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const HEADER_KEYS = new Set(['BCC', 'CC', 'FROM', 'SUBJECT', 'TO']);
const DATE_KEYS: Record<string, ['internal' | 'sent', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
};

export class BadCharsetError extends Error {
  constructor(readonly charset: string) {
    super(`unsupported charset ${charset}`);
  }
}

/** Decodes a search string from the command's charset. */
export function decodeSearchString(b: Buffer, charset: string): string {
  const cs = charset.toUpperCase();
  if (cs === 'UTF-8' || cs === 'US-ASCII') return b.toString('utf8');
  if (cs === 'ISO-2022-JP') return decodeText(b, cs);
  throw new BadCharsetError(charset);
}

/** Parses the keys after SEARCH [CHARSET x]; returns the tree (an AND of the top-level keys). */
export function parseSearch(tokens: Token[]): { charset: string; key: SearchKey; returnOpts?: Token[] } {
  let i = 0;
  let charset = 'US-ASCII';
  const first = tokens[0];
  if (first?.type === 'atom' && first.value.toUpperCase() === 'CHARSET') {
    const cs = tokens[1];
    if (!cs || cs.type === 'list') throw new ImapParseError('CHARSET needs a name');
    charset = (cs.type === 'atom' ? cs.value : cs.value.toString('latin1')).toUpperCase();
    if (!SEARCH_CHARSETS.includes(charset)) throw new BadCharsetError(charset);
    i = 2;
  }
  const p = new KeyParser(tokens.slice(i), charset);
  const keys: SearchKey[] = [];
  while (!p.done) keys.push(p.key(0));
  if (keys.length === 0) throw new ImapParseError('SEARCH needs at least one key');
  return { charset, key: keys.length === 1 ? keys[0] : { op: 'and', keys } };
}

class KeyParser {
  private i = 0;
  constructor(
    private tokens: Token[],
    private charset: string,
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  private next(label: string): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new ImapParseError(`SEARCH: missing ${label}`);
    return t;
  }

  private str(label: string): string {
    const t = this.next(label);
    if (t.type === 'list') throw new ImapParseError(`SEARCH: ${label} must be a string`);
    const b = t.type === 'atom' ? Buffer.from(t.value, 'latin1') : t.value;
    return decodeSearchString(b, this.charset);
  }

  private atomText(label: string): string {
    const t = this.next(label);
    if (t.type === 'list') throw new ImapParseError(`SEARCH: ${label} must be an atom`);
    return t.type === 'atom' ? t.value : t.value.toString('latin1');
  }

  key(depth: number): SearchKey {
    if (depth > 32) throw new ImapParseError('SEARCH nested too deeply');
    const t = this.next('search key');
    if (t.type === 'list') {
      const sub = new KeyParser(t.items, this.charset);
      const keys: SearchKey[] = [];
      while (!sub.done) keys.push(sub.key(depth + 1));
      if (keys.length === 0) throw new ImapParseError('SEARCH: empty parenthesized key');
      return keys.length === 1 ? keys[0] : { op: 'and', keys };
    }
    if (t.type === 'string') throw new ImapParseError('SEARCH: expected a search key, got a string');
    const name = t.value.toUpperCase();
    if (/^[\d*]/.test(name)) return { op: 'seq', set: parseSequenceSet(t.value) };
    const flag = FLAG_KEYS[name];
    if (flag) return { op: 'flag', flag: flag[0], set: flag[1] };
    if (HEADER_KEYS.has(name)) return { op: 'header', field: name, value: this.str(name) };
    const date = DATE_KEYS[name];
    if (date) return { op: 'date', which: date[0], cmp: date[1], date: parseSearchDate(this.atomText(name)) };
    switch (name) {
      case 'ALL':
        return { op: 'all' };
      case 'NEW':
        return { op: 'new' };
      case 'OLD':
        return { op: 'recent', set: false };
      case 'RECENT':
        return { op: 'recent', set: true };
      case 'KEYWORD':
      case 'UNKEYWORD':
        return { op: 'flag', flag: canonicalFlag(this.atomText(name)), set: name === 'KEYWORD' };
      case 'HEADER': {
        const field = this.atomText('header field name').toUpperCase();
        if (!/^[\x21-\x39\x3b-\x7e]+$/.test(field)) throw new ImapParseError('SEARCH: invalid header name');
        return { op: 'header', field, value: this.str('header value') };
      }
      case 'BODY':
      case 'TEXT':
        return { op: name === 'BODY' ? 'body' : 'text', value: this.str(name) };
      case 'LARGER':
      case 'SMALLER':
        return {
          op: 'size',
          cmp: name === 'LARGER' ? 'larger' : 'smaller',
          n: parseNumber(this.atomText(name), name),
        };
      case 'UID':
        return { op: 'uid', set: parseSequenceSet(this.atomText('UID set')) };
      case 'NOT':
        return { op: 'not', key: this.key(depth + 1) };
      case 'OR': {
        const a = this.key(depth + 1);
        return { op: 'or', a, b: this.key(depth + 1) };
      }
      case 'MODSEQ': {
        // MODSEQ [entry-name entry-type] mod-sequence-valzer
        const a = this.next('MODSEQ value');
        if (a.type !== 'atom' || !/^\d+$/.test(a.value)) {
          this.next('MODSEQ entry type');
          return { op: 'modseq', n: parseNumber(this.atomText('MODSEQ value'), 'MODSEQ') };
        }
        return { op: 'modseq', n: parseNumber(a.value, 'MODSEQ') };
      }
      default:
        throw new ImapParseError(`SEARCH: unknown key ${name.slice(0, 30)}`);
    }
  }
}

/** Whether evaluating the key needs the message content (headers or body). */
export function keyNeedsContent(k: SearchKey): boolean {
  switch (k.op) {
    case 'header':
    case 'body':
    case 'text':
      return true;
    case 'date':
      return k.which === 'sent';
    case 'and':
      return k.keys.some(keyNeedsContent);
    case 'or':
      return keyNeedsContent(k.a) || keyNeedsContent(k.b);
    case 'not':
      return keyNeedsContent(k.key);
    default:
      return false;
  }
}

export function keyUsesModseq(k: SearchKey): boolean {
  if (k.op === 'modseq') return true;
  if (k.op === 'and') return k.keys.some(keyUsesModseq);
  if (k.op === 'or') return keyUsesModseq(k.a) || keyUsesModseq(k.b);
  if (k.op === 'not') return keyUsesModseq(k.key);
  return false;
}
