/**
 * IMAP response syntax for the migration client: a response arrives framed as text
 * segments with the literals that followed each "{n}" kept apart (no copy of message
 * bodies), and is tokenized here into atoms, strings, NIL and lists. Pure; no I/O.
 */

/** atom → string (latin1), quoted/literal → Buffer, NIL → null, parenthesised → array. */
export type Item = string | Buffer | null | Item[];

export interface Response {
  /** "*" untagged, "+" continuation, else the command tag. */
  tag: string;
  /** Upper-cased: OK NO BAD BYE PREAUTH CAPABILITY LIST LSUB STATUS FETCH EXISTS … */
  kind: string;
  /** The number before FETCH/EXISTS/EXPUNGE. */
  num?: number;
  /** Response code of OK/NO/BAD ("APPENDUID 1 5:9" → ["APPENDUID", "1", "5:9"]). */
  code?: string[];
  /** Human text of OK/NO/BAD/BYE and "+" lines. */
  text?: string;
  /** Everything after the kind, tokenized (not for OK/NO/BAD). */
  items: Item[];
}

export class WireSyntaxError extends Error {}

class Cursor {
  seg = 0;
  pos = 0;
  constructor(
    readonly segs: readonly string[],
    readonly lits: readonly Buffer[],
  ) {}
  get s(): string {
    return this.segs[this.seg];
  }
  atEnd(): boolean {
    return this.pos >= this.s.length && this.seg >= this.segs.length - 1;
  }
}

const ATOM_END = /[ ()[\]{"]/;

function readAtom(c: Cursor): string {
  const s = c.s;
  let i = c.pos;
  let depth = 0;
  for (; i < s.length; i++) {
    const ch = s[i];
    if (ch === '[') depth++;
    else if (ch === ']' && depth > 0) depth--;
    else if (depth === 0 && ATOM_END.test(ch)) break;
  }
  const v = s.slice(c.pos, i);
  c.pos = i;
  return v;
}

function readItem(c: Cursor): Item {
  const s = c.s;
  const ch = s[c.pos];
  if (ch === '"') {
    let out = '';
    let i = c.pos + 1;
    for (; i < s.length && s[i] !== '"'; i++) out += s[i] === '\\' ? s[++i] : s[i];
    c.pos = i + 1;
    return Buffer.from(out, 'latin1');
  }
  if (ch === '(') {
    c.pos++;
    return readList(c, ')');
  }
  if (ch === '{' || (ch === '~' && s[c.pos + 1] === '{')) {
    // the literal's bytes follow this segment
    if (c.seg + 1 >= c.segs.length) throw new WireSyntaxError('literal without data');
    const lit = c.lits[c.seg];
    c.seg++;
    c.pos = 0;
    return lit;
  }
  const a = readAtom(c);
  if (a === '') {
    // a stray "]" or similar: skip it rather than loop
    if (c.pos >= s.length) throw new WireSyntaxError('unexpected end of response');
    c.pos++;
    return readItem(c);
  }
  return a.toUpperCase() === 'NIL' ? null : a;
}

function readList(c: Cursor, close: string | undefined): Item[] {
  const out: Item[] = [];
  for (;;) {
    while (c.s[c.pos] === ' ') c.pos++;
    if (c.pos >= c.s.length) {
      if (close === undefined && c.seg >= c.segs.length - 1) return out;
      throw new WireSyntaxError('unterminated list');
    }
    if (close !== undefined && c.s[c.pos] === close) {
      c.pos++;
      return out;
    }
    out.push(readItem(c));
  }
}

const STATUS = new Set(['OK', 'NO', 'BAD', 'BYE', 'PREAUTH']);

/** One response: `segs` are the line parts, `lits[i]` the literal after `segs[i]`. */
export function parseResponse(segs: readonly string[], lits: readonly Buffer[]): Response {
  const first = segs[0];
  const sp = first.indexOf(' ');
  const tag = sp < 0 ? first : first.slice(0, sp);
  if (tag === '+') return { tag, kind: '+', text: sp < 0 ? '' : first.slice(sp + 1), items: [] };
  const c = new Cursor(segs, lits);
  c.pos = sp + 1;
  let word = readAtom(c);
  let num: number | undefined;
  if (/^\d+$/.test(word)) {
    num = Number(word);
    c.pos++;
    word = readAtom(c);
  }
  const kind = word.toUpperCase();
  if (STATUS.has(kind)) {
    let rest = c.s.slice(c.pos + 1);
    let code: string[] | undefined;
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      code = rest.slice(1, end < 0 ? undefined : end).split(' ');
      code[0] = code[0].toUpperCase();
      rest = end < 0 ? '' : rest.slice(end + 1).trimStart();
    }
    return { tag, kind, num, code, text: rest, items: [] };
  }
  return { tag, kind, num, items: readList(c, undefined) };
}

export function str(i: Item | undefined): string {
  if (i === null || i === undefined) return '';
  if (Array.isArray(i)) return '';
  return typeof i === 'string' ? i : i.toString('latin1');
}

/** FETCH attributes as a map from upper-cased name ("UID", "BODY[]") to value. */
export function fetchAttrs(items: readonly Item[]): Map<string, Item> {
  const list = Array.isArray(items[0]) ? (items[0] as Item[]) : [];
  const out = new Map<string, Item>();
  for (let i = 0; i + 1 < list.length; i += 2) out.set(str(list[i]).toUpperCase(), list[i + 1]);
  return out;
}

/** "1:3,7" → [1,2,3,7] (APPENDUID / COPYUID sets). */
export function expandSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number);
    if (b === undefined) out.push(a);
    else for (let n = Math.min(a, b); n <= Math.max(a, b); n++) out.push(n);
  }
  return out;
}

/** Quoted string or literal for a command argument (latin1 "binary string" in, parts out). */
export function quote(v: string): string {
  return `"${v.replace(/(["\\])/g, '\\$1')}"`;
}

/** Whether a string can go quoted (no CR/LF/NUL/8-bit). */
export function quotable(v: string): boolean {
  return !/[\x00\r\n\x80-\uffff]/.test(v) && v.length < 1000;
}
