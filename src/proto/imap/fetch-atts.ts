/**
 * FETCH attribute parsing: macros (ALL, FAST, FULL), simple items and
 * BODY[section]<partial> / BODY.PEEK / BINARY-less RFC 3501 sections.
 */
import { parseNumber } from './args.js';
import { ImapParseError, type Token } from './tokens.js';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface Section {
  /** Part path, e.g. [1, 2] for "1.2"; empty for the whole message. */
  part: number[];
  text?: SectionText;
  /** Upper-cased field names for HEADER.FIELDS(.NOT). */
  fields?: string[];
}

export type FetchAtt =
  | {
      kind: 'simple';
      name:
        | 'UID'
        | 'FLAGS'
        | 'INTERNALDATE'
        | 'RFC822.SIZE'
        | 'ENVELOPE'
        | 'BODY'
        | 'BODYSTRUCTURE'
        | 'MODSEQ'
        | 'RFC822'
        | 'RFC822.HEADER'
        | 'RFC822.TEXT';
    }
  | {
      kind: 'section';
      peek: boolean;
      section: Section;
      partial?: { start: number; length: number };
      /** The name echoed in the response, e.g. "BODY[HEADER.FIELDS (FROM TO)]<0>". */
      label: string;
    };

const SIMPLE = new Set([
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODY',
  'BODYSTRUCTURE',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
]);

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

/** The FETCH item argument: one macro, one item, or a parenthesized list of items. */
export function parseFetchAtts(t: Token): FetchAtt[] {
  if (t.type === 'atom') {
    const macro = MACROS[t.value.toUpperCase()];
    if (macro) return macro.map((name) => parseFetchAtt(name));
    return [parseFetchAtt(t.value)];
  }
  if (t.type === 'list') {
    if (t.items.length === 0) throw new ImapParseError('empty fetch attribute list');
    return t.items.map((i) => {
      if (i.type !== 'atom') throw new ImapParseError('fetch attributes must be atoms');
      return parseFetchAtt(i.value);
    });
  }
  throw new ImapParseError('expected fetch attributes');
}

export function parseFetchAtt(raw: string): FetchAtt {
  const upper = raw.toUpperCase();
  if (SIMPLE.has(upper)) return { kind: 'simple', name: upper as never };
  const m = /^(BODY|BODY\.PEEK)\[([^\]]*)\](?:<(\d{1,20})\.(\d{1,20})>)?$/i.exec(raw);
  if (!m) throw new ImapParseError(`unknown fetch attribute ${raw.slice(0, 60)}`);
  const section = parseSection(m[2]);
  const partial =
    m[3] !== undefined
      ? { start: parseNumber(m[3], 'partial'), length: parseNumber(m[4], 'partial') }
      : undefined;
  if (partial && partial.length === 0) throw new ImapParseError('partial length must be positive');
  const label = `BODY[${formatSection(section)}]${partial ? `<${partial.start}>` : ''}`;
  const att: FetchAtt = { kind: 'section', peek: m[1].length > 4, section, label };
  if (partial) att.partial = partial;
  return att;
}

function parseSection(spec: string): Section {
  if (spec === '') return { part: [] };
  let head = spec;
  let fieldText: string | undefined;
  const open = spec.indexOf(' (');
  if (open >= 0) {
    if (!spec.endsWith(')')) throw new ImapParseError('invalid header field list');
    head = spec.slice(0, open);
    fieldText = spec.slice(open + 2, -1);
  }
  const comps = head.split('.');
  const part: number[] = [];
  while (comps.length && /^\d+$/.test(comps[0])) {
    const n = Number(comps.shift());
    if (n < 1 || n > 1e9) throw new ImapParseError('part numbers start at 1');
    part.push(n);
  }
  if (part.length > 64) throw new ImapParseError('section nested too deeply');
  const text = comps.join('.').toUpperCase();
  if (!text) {
    if (fieldText !== undefined) throw new ImapParseError('invalid section');
    return { part };
  }
  if (!['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'].includes(text))
    throw new ImapParseError(`invalid section text ${text.slice(0, 30)}`);
  if (text === 'MIME' && part.length === 0) throw new ImapParseError('MIME needs a part number');
  const wantsFields = text.startsWith('HEADER.FIELDS');
  if (wantsFields !== (fieldText !== undefined)) throw new ImapParseError(`${text} needs a field list`);
  const out: Section = { part, text: text as SectionText };
  if (fieldText !== undefined) {
    const fields = fieldText
      .split(' ')
      .map((f) => f.replace(/^"(.*)"$/, '$1').toUpperCase())
      .filter((f) => f.length > 0);
    if (fields.length === 0 || fields.some((f) => !/^[\x21-\x39\x3b-\x7e]+$/.test(f)))
      throw new ImapParseError('invalid header field list');
    out.fields = fields;
  }
  return out;
}

export function formatSection(s: Section): string {
  const parts = s.part.join('.');
  if (!s.text) return parts;
  const text = s.fields ? `${s.text} (${s.fields.join(' ')})` : s.text;
  return parts ? `${parts}.${text}` : text;
}

/** Whether any item needs the message bytes (not just the index). */
export function needsContent(atts: FetchAtt[]): boolean {
  return atts.some(
    (a) =>
      a.kind === 'section' || !['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'MODSEQ'].includes(a.name),
  );
}

/** Whether fetching these items sets \Seen (BODY[...] without PEEK, RFC822, RFC822.TEXT). */
export function setsSeen(atts: FetchAtt[]): boolean {
  return atts.some(
    (a) =>
      (a.kind === 'section' && !a.peek) ||
      (a.kind === 'simple' && (a.name === 'RFC822' || a.name === 'RFC822.TEXT')),
  );
}
