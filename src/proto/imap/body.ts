/**
 * BODY / BODYSTRUCTURE (RFC 3501 7.4.2) and BODY[section] extraction, from the
 * structure mime.ts computed over the stored bytes.
 */
import { list, nstr } from './encode.js';
import { envelope } from './envelope.js';
import type { Section } from './fetch-atts.js';
import {
  type ContentType,
  countLines,
  findPart,
  header,
  isMessage,
  type MimePart,
  parseHeaderFields,
  parseParams,
  splitParams,
} from './mime.js';

function params(p: [string, string][]): string {
  if (p.length === 0) return 'NIL';
  return list(p.flatMap(([k, v]) => [nstr(k), nstr(v)]));
}

function bodyParams(ct: ContentType): string {
  return params(ct.params);
}

function disposition(part: MimePart): string {
  const v = header(part.headers, 'CONTENT-DISPOSITION');
  if (!v) return 'NIL';
  const [main, ...rest] = splitParams(v);
  const kind = main.trim();
  if (!kind) return 'NIL';
  return list([nstr(kind.toUpperCase()), params(parseParams(rest))]);
}

function language(part: MimePart): string {
  const v = header(part.headers, 'CONTENT-LANGUAGE');
  if (!v) return 'NIL';
  const langs = v.split(/[\s,]+/).filter(Boolean);
  return langs.length === 1 ? nstr(langs[0]) : list(langs.map((l) => nstr(l)));
}

/** BODYSTRUCTURE when `extended`, BODY otherwise. */
export function bodyStructure(buf: Buffer, part: MimePart, extended: boolean): string {
  const ct = part.contentType;
  if (part.children.length > 0 || ct.type === 'MULTIPART') {
    const children = part.children.map((c) => bodyStructure(buf, c, extended)).join('');
    const items = [children || '("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)', nstr(ct.subtype)];
    if (extended)
      items.push(
        bodyParams(ct),
        disposition(part),
        language(part),
        nstr(header(part.headers, 'CONTENT-LOCATION')),
      );
    return `(${items.join(' ')})`;
  }
  const size = part.bodyEnd - part.bodyStart;
  const items = [
    nstr(ct.type),
    nstr(ct.subtype),
    bodyParams(ct),
    nstr(header(part.headers, 'CONTENT-ID')),
    nstr(header(part.headers, 'CONTENT-DESCRIPTION')),
    nstr((header(part.headers, 'CONTENT-TRANSFER-ENCODING') ?? '7BIT').toUpperCase()),
    String(size),
  ];
  if (isMessage(ct) && part.message) {
    items.push(
      envelope(part.message.headers),
      bodyStructure(buf, part.message, extended),
      String(countLines(buf, part.bodyStart, part.bodyEnd)),
    );
  } else if (ct.type === 'TEXT') {
    items.push(String(countLines(buf, part.bodyStart, part.bodyEnd)));
  }
  if (extended)
    items.push(
      nstr(header(part.headers, 'CONTENT-MD5')),
      disposition(part),
      language(part),
      nstr(header(part.headers, 'CONTENT-LOCATION')),
    );
  return `(${items.join(' ')})`;
}

/** Header lines whose names are (or, with `not`, are not) in `fields`, plus the blank line. */
function filterHeader(buf: Buffer, start: number, end: number, fields: string[], not: boolean): Buffer {
  const text = buf.toString('latin1', start, end);
  const want = new Set(fields);
  const out: string[] = [];
  for (const line of text.split(/(?<=\n)(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toUpperCase();
    if (want.has(key) !== not) out.push(line.endsWith('\n') ? line : `${line}\r\n`);
  }
  out.push('\r\n');
  return Buffer.from(out.join(''), 'latin1');
}

/** Byte range of the header block of `part` including its terminating blank line. */
function headerRange(part: MimePart): [number, number] {
  return [part.headerStart, part.bodyStart];
}

/**
 * The bytes BODY[section] returns, or undefined when the part does not exist
 * (the response is then an empty string, as Dovecot does).
 */
export function sectionBytes(buf: Buffer, root: MimePart, s: Section): Buffer | undefined {
  const part = s.part.length ? findPart(root, s.part) : root;
  if (!part) return undefined;
  if (!s.text) {
    if (s.part.length === 0) return buf;
    return buf.subarray(part.bodyStart, part.bodyEnd);
  }
  if (s.text === 'MIME') return buf.subarray(...headerRange(part));
  // HEADER/TEXT of a part address the encapsulated message of a message/rfc822 part.
  const msg = s.part.length === 0 ? root : part.message;
  if (!msg) return undefined;
  if (s.text === 'TEXT') return buf.subarray(msg.bodyStart, msg.bodyEnd);
  if (s.text === 'HEADER') return buf.subarray(...headerRange(msg));
  return filterHeader(buf, msg.headerStart, msg.bodyStart, s.fields ?? [], s.text === 'HEADER.FIELDS.NOT');
}

/** Parses only the header block of a message (ENVELOPE without a full MIME walk). */
export function headerFieldsOf(buf: Buffer): ReturnType<typeof parseHeaderFields> {
  let end = buf.indexOf('\r\n\r\n');
  if (end < 0) end = buf.indexOf('\n\n');
  return parseHeaderFields(buf.toString('latin1', 0, end < 0 ? buf.length : end));
}
