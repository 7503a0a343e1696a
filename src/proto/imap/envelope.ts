/**
 * ENVELOPE (RFC 3501 7.4.2) from a header block. Values stay as stored (encoded-words
 * are the client's to decode); addresses are split into (name adl mailbox host), with
 * RFC 5322 groups as (NIL NIL "group" NIL) … (NIL NIL NIL NIL).
 */
import { list, nstr } from './encode.js';
import { type HeaderField, header } from './mime.js';

export interface Address {
  name?: string;
  mailbox?: string;
  host?: string;
  /** Group start (mailbox = group name, no host) or end (all undefined). */
  group?: 'start' | 'end';
}

type Tok = { t: 'q' | 'a' | 's'; v: string };

/** Tokens of an address header: quoted strings, atoms (runs of text), specials. Comments dropped. */
function lex(v: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < v.length) {
    const ch = v[i];
    if (ch === '"') {
      let s = '';
      i++;
      while (i < v.length && v[i] !== '"') {
        if (v[i] === '\\' && i + 1 < v.length) i++;
        s += v[i++];
      }
      i++;
      out.push({ t: 'q', v: s });
    } else if (ch === '(') {
      let depth = 1;
      i++;
      while (i < v.length && depth > 0) {
        if (v[i] === '\\') i++;
        else if (v[i] === '(') depth++;
        else if (v[i] === ')') depth--;
        i++;
      }
    } else if ('<>,:;@'.includes(ch)) {
      out.push({ t: 's', v: ch });
      i++;
    } else if (/\s/.test(ch)) i++;
    else {
      let s = '';
      while (i < v.length && !/[\s"(<>,:;@]/.test(v[i])) s += v[i++];
      out.push({ t: 'a', v: s });
    }
  }
  return out;
}

function mailboxFrom(tokens: Tok[]): Address | undefined {
  if (tokens.length === 0) return undefined;
  const lt = tokens.findIndex((t) => t.t === 's' && t.v === '<');
  let phrase: Tok[] = [];
  let spec: Tok[] = tokens;
  if (lt >= 0) {
    phrase = tokens.slice(0, lt);
    const gt = tokens.findIndex((t, i) => i > lt && t.t === 's' && t.v === '>');
    spec = tokens.slice(lt + 1, gt < 0 ? undefined : gt);
    // Obsolete source route "<@a,@b:user@host>": drop it.
    const colon = spec.findIndex((t) => t.t === 's' && t.v === ':');
    if (colon >= 0 && spec[0]?.v === '@') spec = spec.slice(colon + 1);
  }
  const at = spec.map((t) => t.v).lastIndexOf('@');
  const local = (at >= 0 ? spec.slice(0, at) : spec).map((t) => (t.t === 'q' ? t.v : t.v)).join('');
  const host =
    at >= 0
      ? spec
          .slice(at + 1)
          .map((t) => t.v)
          .join('')
      : undefined;
  const name = phrase.map((t) => t.v).join(' ') || undefined;
  if (!local && !host && !name) return undefined;
  return { name, mailbox: local || undefined, host };
}

/** Parses an address-list header value (raw). */
export function parseAddressList(v: string | undefined): Address[] {
  if (!v) return [];
  const tokens = lex(v);
  const out: Address[] = [];
  let cur: Tok[] = [];
  let inGroup = false;
  let inAngle = false;
  const flush = () => {
    const a = mailboxFrom(cur);
    if (a) out.push(a);
    cur = [];
  };
  for (const t of tokens) {
    if (t.t === 's' && t.v === '<') inAngle = true;
    if (t.t === 's' && t.v === '>') inAngle = false;
    if (!inAngle && t.t === 's' && t.v === ':' && !inGroup) {
      out.push({ group: 'start', mailbox: cur.map((x) => x.v).join(' ') });
      cur = [];
      inGroup = true;
    } else if (!inAngle && t.t === 's' && t.v === ';' && inGroup) {
      flush();
      out.push({ group: 'end' });
      inGroup = false;
    } else if (!inAngle && t.t === 's' && t.v === ',') flush();
    else cur.push(t);
  }
  flush();
  if (inGroup) out.push({ group: 'end' });
  return out;
}

function addressList(v: string | undefined): string {
  const addrs = parseAddressList(v);
  if (addrs.length === 0) return 'NIL';
  return list(
    addrs.map((a) => {
      if (a.group === 'start') return `(NIL NIL ${nstr(a.mailbox ?? '')} NIL)`;
      if (a.group === 'end') return '(NIL NIL NIL NIL)';
      return `(${nstr(a.name)} NIL ${nstr(a.mailbox ?? '')} ${nstr(a.host ?? 'MISSING_DOMAIN')})`;
    }),
  );
}

/** The ENVELOPE structure as a wire string. */
export function envelope(h: HeaderField[]): string {
  const from = header(h, 'FROM');
  const sender = header(h, 'SENDER') || from;
  const replyTo = header(h, 'REPLY-TO') || from;
  return list([
    nstr(header(h, 'DATE')),
    nstr(header(h, 'SUBJECT')),
    addressList(from),
    addressList(sender),
    addressList(replyTo),
    addressList(header(h, 'TO')),
    addressList(header(h, 'CC')),
    addressList(header(h, 'BCC')),
    nstr(header(h, 'IN-REPLY-TO')),
    nstr(header(h, 'MESSAGE-ID')),
  ]);
}
