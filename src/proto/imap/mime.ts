/**
 * A MIME structure walker over the stored message bytes. Written here rather than taken
 * from mailparser because IMAP needs what mailparser's stream API does not give: exact
 * byte offsets of each part's header and body (for BODY[1.2.MIME], partial fetches and
 * RFC822.SIZE-consistent sizes) and line counts, computed without decoding anything.
 * Nesting depth and part count are capped so hostile messages cannot exhaust the stack.
 */

export interface HeaderField {
  /** Upper-cased name. */
  key: string;
  /** Raw value (latin1 binary string), unfolded (CRLF before whitespace removed). */
  value: string;
}

export interface ContentType {
  type: string;
  subtype: string;
  params: [string, string][];
}

export interface MimePart {
  headerStart: number;
  /** First byte of the body (after the blank line). */
  bodyStart: number;
  bodyEnd: number;
  headers: HeaderField[];
  contentType: ContentType;
  /** Children of a multipart. */
  children: MimePart[];
  /** The encapsulated message of a message/rfc822 part. */
  message?: MimePart;
}

const MAX_DEPTH = 50;
const MAX_PARTS = 5000;

/** Offset of the body start (after CRLFCRLF or LFLF), or the end if there is no blank line. */
function headerEnd(buf: Buffer, start: number, end: number): { headerEnd: number; bodyStart: number } {
  // A body starting right away with an empty header block.
  if (buf[start] === 13 && buf[start + 1] === 10) return { headerEnd: start, bodyStart: start + 2 };
  if (buf[start] === 10) return { headerEnd: start, bodyStart: start + 1 };
  let i = start;
  while (i < end) {
    const lf = buf.indexOf(10, i);
    if (lf < 0 || lf >= end) return { headerEnd: end, bodyStart: end };
    const n = lf + 1;
    if (n < end && buf[n] === 13 && buf[n + 1] === 10)
      return { headerEnd: n, bodyStart: Math.min(n + 2, end) };
    if (n < end && buf[n] === 10) return { headerEnd: n, bodyStart: n + 1 };
    i = n;
  }
  return { headerEnd: end, bodyStart: end };
}

export function parseHeaderFields(text: string): HeaderField[] {
  const out: HeaderField[] = [];
  for (const line of text.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toUpperCase();
    if (!key || /[\s]/.test(key)) continue;
    out.push({
      key,
      value: line
        .slice(colon + 1)
        .replace(/\r?\n/g, '')
        .trim(),
    });
  }
  return out;
}

export function header(h: HeaderField[], key: string): string | undefined {
  for (const f of h) if (f.key === key) return f.value;
  return undefined;
}

/** Content-Type value → type, subtype, parameters (RFC 2231 continuations joined, values kept encoded). */
export function parseContentType(v: string | undefined, dflt: [string, string]): ContentType {
  if (!v)
    return { type: dflt[0], subtype: dflt[1], params: dflt[0] === 'TEXT' ? [['CHARSET', 'us-ascii']] : [] };
  const [main, ...rest] = splitParams(v);
  const m = /^([^/\s]+)\s*\/\s*([^\s;]+)$/.exec(main.trim());
  if (!m) return { type: dflt[0], subtype: dflt[1], params: parseParams(rest) };
  return { type: m[1].toUpperCase(), subtype: m[2].toUpperCase(), params: parseParams(rest) };
}

/** Splits "a; b=1; c=\"x;y\"" on semicolons outside quotes. */
export function splitParams(v: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '\\' && q) {
      cur += ch + (v[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') q = !q;
    if (ch === ';' && !q) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseParams(items: string[]): [string, string][] {
  const out: [string, string][] = [];
  const continued = new Map<string, { parts: string[]; extended: boolean }>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq).trim().toUpperCase();
    let value = item.slice(eq + 1).trim();
    if (value.startsWith('"')) value = value.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
    const m = /^(.+)\*(\d+)(\*?)$/.exec(name);
    if (m) {
      const c = continued.get(m[1]) ?? { parts: [], extended: false };
      if (Number(m[2]) < 100) c.parts[Number(m[2])] = value;
      if (m[3] && m[2] === '0') c.extended = true;
      continued.set(m[1], c);
    } else out.push([name, value]);
  }
  // RFC 2231 continuations are joined; an extended (charset'lang'%XX) value keeps its "*".
  for (const [name, c] of continued) out.push([c.extended ? `${name}*` : name, c.parts.join('')]);
  return out;
}

/** Parses the structure of the message in `buf` (whole message). */
export function parseMime(buf: Buffer): MimePart {
  const counter = { parts: 0 };
  return parsePart(buf, 0, buf.length, ['TEXT', 'PLAIN'], 0, counter);
}

function parsePart(
  buf: Buffer,
  start: number,
  end: number,
  dflt: [string, string],
  depth: number,
  counter: { parts: number },
): MimePart {
  counter.parts++;
  const h = headerEnd(buf, start, end);
  const headers = parseHeaderFields(buf.toString('latin1', start, h.headerEnd));
  let contentType = parseContentType(header(headers, 'CONTENT-TYPE'), dflt);
  const part: MimePart = {
    headerStart: start,
    bodyStart: h.bodyStart,
    bodyEnd: end,
    headers,
    contentType,
    children: [],
  };
  const tooDeep = depth >= MAX_DEPTH || counter.parts >= MAX_PARTS;
  if (contentType.type === 'MULTIPART') {
    const boundary = contentType.params.find(([k]) => k === 'BOUNDARY')?.[1];
    if (!boundary || tooDeep) {
      // A multipart without a boundary cannot be split; present it as text like Dovecot does.
      contentType = { type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'us-ascii']] };
      part.contentType = contentType;
      return part;
    }
    const childDefault: [string, string] =
      contentType.subtype === 'DIGEST' ? ['MESSAGE', 'RFC822'] : ['TEXT', 'PLAIN'];
    for (const [s, e] of splitMultipart(buf, h.bodyStart, end, boundary)) {
      part.children.push(parsePart(buf, s, e, childDefault, depth + 1, counter));
      if (counter.parts >= MAX_PARTS) break;
    }
  } else if (isMessage(contentType) && !tooDeep) {
    part.message = parsePart(buf, h.bodyStart, end, ['TEXT', 'PLAIN'], depth + 1, counter);
  }
  return part;
}

export function isMessage(ct: ContentType): boolean {
  return ct.type === 'MESSAGE' && (ct.subtype === 'RFC822' || ct.subtype === 'GLOBAL');
}

/** Body ranges of the parts of a multipart body between "--boundary" lines. */
function splitMultipart(buf: Buffer, start: number, end: number, boundary: string): [number, number][] {
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const ranges: [number, number][] = [];
  let partStart = -1;
  let i = start;
  while (i < end) {
    const at = buf.indexOf(delim, i);
    if (at < 0 || at >= end) break;
    const atLineStart = at === start || buf[at - 1] === 10;
    const after = at + delim.length;
    if (!atLineStart) {
      i = after;
      continue;
    }
    const closing = buf[after] === 45 && buf[after + 1] === 45;
    // The CRLF before the delimiter belongs to the delimiter, not to the part.
    let partEnd = at;
    if (partEnd > start && buf[partEnd - 1] === 10) partEnd--;
    if (partEnd > start && buf[partEnd - 1] === 13) partEnd--;
    if (partStart >= 0) ranges.push([partStart, Math.max(partStart, partEnd)]);
    if (closing) return ranges;
    const lf = buf.indexOf(10, after);
    if (lf < 0 || lf >= end) {
      partStart = -1;
      break;
    }
    partStart = lf + 1;
    i = partStart;
  }
  // No closing delimiter: the last part runs to the end.
  if (partStart >= 0) ranges.push([partStart, end]);
  return ranges;
}

/** Number of lines (LF count, plus one for a final line without LF), as Dovecot reports. */
export function countLines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  let i = buf.indexOf(10, start);
  while (i >= 0 && i < end) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  if (end > start && buf[end - 1] !== 10) n++;
  return n;
}

/** The part a section path points to, following RFC 3501 6.4.5 numbering; undefined if none. */
export function findPart(root: MimePart, path: number[]): MimePart | undefined {
  let cur = root;
  for (const n of path) {
    // Inside a message/rfc822, numbering continues with the encapsulated message's body.
    const container = cur.message && cur !== root ? cur.message : cur;
    if (container.children.length > 0) {
      const next = container.children[n - 1];
      if (!next) return undefined;
      cur = next;
    } else if (n === 1) {
      cur = container;
    } else return undefined;
  }
  return cur;
}
