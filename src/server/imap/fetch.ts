/**
 * Renders FETCH responses. Messages are read ahead a few at a time (I/O overlaps with
 * encoding) and written in order with backpressure; the MIME structure is parsed only
 * when an item needs it (BODYSTRUCTURE, sections with part numbers, ENVELOPE).
 */
import { formatDateTime } from '../../proto/imap/args.js';
import { bodyStructure, headerFieldsOf, sectionBytes } from '../../proto/imap/body.js';
import { envelope } from '../../proto/imap/envelope.js';
import { type FetchAtt, needsContent } from '../../proto/imap/fetch-atts.js';
import { type MimePart, parseMime } from '../../proto/imap/mime.js';
import type { MessageMeta } from '../../store/store.js';
import { MessageReader, SCRATCH_SIZE, turn } from './reader.js';
import type { Selected } from './selected.js';
import type { ImapSession } from './session.js';

export interface FetchPlan {
  atts: FetchAtt[];
  /** Add UID (UID FETCH) and MODSEQ (CONDSTORE) items. */
  uid: boolean;
  modseq: boolean;
  /** UIDs whose FLAGS must be included because this fetch set \Seen. */
  flagsFor?: Set<number>;
}

/** Wire pieces: binary strings (one char per byte) and message bytes. */
type Wire = (string | Buffer)[];

function literal(b: Buffer): Wire {
  return [`{${b.length}}\r\n`, b];
}

function partial(b: Buffer, p?: { start: number; length: number }): Buffer {
  if (!p) return b;
  if (p.start >= b.length) return Buffer.alloc(0);
  return b.subarray(p.start, Math.min(b.length, p.start + p.length));
}

/**
 * A literal-free FETCH line (FLAGS, UID, sizes, dates, MODSEQ only) as a binary string.
 * The hot path of `UID FETCH 1:* (FLAGS)`: no arrays, no closures per message.
 */
export function renderSimple(sel: Selected, m: MessageMeta, seq: number, plan: FetchPlan): string {
  let body = '';
  let hasUid = false;
  let hasFlags = false;
  let hasModseq = false;
  for (const a of plan.atts) {
    if (a.kind !== 'simple' || !isSimpleItem(a.name)) continue;
    if (a.name === 'UID') hasUid = true;
    else if (a.name === 'FLAGS') hasFlags = true;
    else if (a.name === 'MODSEQ') hasModseq = true;
    const item = simpleItem(sel, m, a.name);
    body = body ? `${body} ${item}` : item;
  }
  if (plan.uid && !hasUid) body = body ? `UID ${m.uid} ${body}` : `UID ${m.uid}`;
  if (plan.flagsFor?.has(m.uid) && !hasFlags) body += `${body ? ' ' : ''}FLAGS ${sel.flagsOf(m)}`;
  if (plan.modseq && !hasModseq) body += `${body ? ' ' : ''}MODSEQ (${m.modseq})`;
  return `* ${seq} FETCH (${body})\r\n`;
}

function isSimpleItem(name: string): boolean {
  return (
    name === 'UID' ||
    name === 'FLAGS' ||
    name === 'INTERNALDATE' ||
    name === 'RFC822.SIZE' ||
    name === 'MODSEQ'
  );
}

/** Items that need the message bytes; a per-message state object instead of closures. */
interface Msg {
  buf: Buffer;
  mime?: MimePart;
}

function mimeOf(x: Msg): MimePart {
  x.mime ??= parseMime(x.buf);
  return x.mime;
}

function contentItem(a: FetchAtt, x: Msg): string | Wire | undefined {
  const buf = x.buf;
  if (a.kind === 'section') {
    const root = a.section.part.length ? mimeOf(x) : (x.mime ?? shallow(buf));
    const bytes = sectionBytes(buf, root, a.section);
    return [`${a.label} `, ...literal(partial(bytes ?? Buffer.alloc(0), a.partial))];
  }
  switch (a.name) {
    case 'ENVELOPE':
      return `ENVELOPE ${envelope(x.mime ? x.mime.headers : headerFieldsOf(buf))}`;
    case 'BODY':
    case 'BODYSTRUCTURE':
      return `${a.name} ${bodyStructure(buf, mimeOf(x), a.name === 'BODYSTRUCTURE')}`;
    case 'RFC822':
      return ['RFC822 ', ...literal(buf)];
    case 'RFC822.HEADER':
      return ['RFC822.HEADER ', ...literal(sectionBytes(buf, shallow(buf), { part: [], text: 'HEADER' })!)];
    case 'RFC822.TEXT':
      return [
        'RFC822.TEXT ',
        ...literal(sectionBytes(buf, x.mime ?? shallow(buf), { part: [], text: 'TEXT' })!),
      ];
    default:
      return undefined;
  }
}

/** One message's FETCH response: a line (binary string) when it has no literal, else wire chunks. */
export function renderOne(
  sel: Selected,
  m: MessageMeta,
  seq: number,
  plan: FetchPlan,
  buf?: Buffer,
): string | Wire {
  if (!buf) return renderSimple(sel, m, seq, plan);
  const x: Msg = { buf };
  const parts: (string | Wire)[] = [];
  let hasUid = false;
  let hasFlags = false;
  let hasModseq = false;
  for (const a of plan.atts) {
    if (a.kind === 'simple') {
      if (a.name === 'UID') hasUid = true;
      else if (a.name === 'FLAGS') hasFlags = true;
      else if (a.name === 'MODSEQ') hasModseq = true;
      if (isSimpleItem(a.name)) {
        parts.push(simpleItem(sel, m, a.name));
        continue;
      }
    }
    const item = contentItem(a, x);
    if (item !== undefined) parts.push(item);
  }
  if (plan.uid && !hasUid) parts.unshift(`UID ${m.uid}`);
  if (plan.flagsFor?.has(m.uid) && !hasFlags) parts.push(`FLAGS ${sel.flagsOf(m)}`);
  if (plan.modseq && !hasModseq) parts.push(`MODSEQ (${m.modseq})`);
  const out: Wire = [];
  let text = `* ${seq} FETCH (`;
  let onlyText = true;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (i > 0) text += ' ';
    if (typeof p === 'string') text += p;
    else {
      onlyText = false;
      // p starts with its label and literal header (strings), then the bytes.
      for (const w of p) {
        if (typeof w === 'string') text += w;
        else {
          out.push(text, w);
          text = '';
        }
      }
    }
  }
  if (onlyText) return `${text})\r\n`;
  out.push(`${text})\r\n`);
  return out;
}

function simpleItem(sel: Selected, m: MessageMeta, name: string): string {
  switch (name) {
    case 'UID':
      return `UID ${m.uid}`;
    case 'FLAGS':
      return `FLAGS ${sel.flagsOf(m)}`;
    case 'INTERNALDATE':
      return `INTERNALDATE "${formatDateTime(m.internalDate)}"`;
    case 'RFC822.SIZE':
      return `RFC822.SIZE ${m.size}`;
    default:
      return `MODSEQ (${m.modseq})`;
  }
}

/** Header/body split only, for HEADER/HEADER.FIELDS of the whole message. */
function shallow(buf: Buffer): MimePart {
  let end = buf.indexOf('\r\n\r\n');
  let bodyStart = end < 0 ? -1 : end + 4;
  if (end < 0) {
    end = buf.indexOf('\n\n');
    bodyStart = end < 0 ? buf.length : end + 2;
  }
  return {
    headerStart: 0,
    bodyStart,
    bodyEnd: buf.length,
    headers: [],
    contentType: { type: 'TEXT', subtype: 'PLAIN', params: [] },
    children: [],
  };
}

/** Streams FETCH responses for `uids` (sequence order) to the session. */
export async function runFetch(
  s: ImapSession,
  sel: Selected,
  uids: number[],
  plan: FetchPlan,
): Promise<void> {
  const content = needsContent(plan.atts);
  const msgs = sel.view.messages();
  // uids ascend, like the view's messages and the session's sequence map: walk both
  // with cursors instead of two binary searches per message.
  let mi = 0;
  let si = 0;
  let lines = '';
  // Message bytes are read into one scratch buffer and copied into the output queue.
  const reader = content ? new MessageReader(sel.view, uids, Buffer.allocUnsafe(SCRATCH_SIZE)) : undefined;
  for (let i = 0; i < uids.length; i++) {
    const uid = uids[i];
    if (i > 0 && uid < uids[i - 1]) mi = si = 0; // not ascending after all: restart the walk
    while (mi < msgs.length && msgs[mi].uid < uid) mi++;
    while (si < sel.uids.length && sel.uids[si] < uid) si++;
    const m = mi < msgs.length && msgs[mi].uid === uid ? msgs[mi] : undefined;
    let buf: Buffer | undefined;
    if (reader && m) {
      if (!reader.sync) buf = await reader.get(i);
      else {
        if (reader.dueForTurn()) await turn();
        buf = reader.getSync(i);
      }
    }
    // Gone (expunged elsewhere, or the file vanished): RFC 2180 4.1.1 lets us skip it.
    if (!m || (content && !buf)) continue;
    const seq = si < sel.uids.length && sel.uids[si] === uid ? si + 1 : 0;
    const r = renderOne(sel, m, seq, plan, buf);
    if (typeof r === 'string') {
      // Literal-free lines (FLAGS, UID, sizes) are batched into ~64 KiB strings.
      lines += r;
      if (lines.length < 65536) continue;
      s.sendRaw(lines);
      lines = '';
    } else {
      if (lines) s.sendRaw(lines);
      lines = '';
      for (const w of r) {
        if (typeof w === 'string') s.sendRaw(w);
        else s.push(w, true); // may point into the reader's scratch: copy now
      }
    }
    await s.maybeFlush();
    if (s.isClosed) return;
  }
  if (lines) s.sendRaw(lines);
}
