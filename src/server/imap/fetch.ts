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
import { MessageReader } from './reader.js';
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

function literal(b: Buffer): Buffer[] {
  return [Buffer.from(`{${b.length}}\r\n`, 'latin1'), b];
}

function partial(b: Buffer, p?: { start: number; length: number }): Buffer {
  if (!p) return b;
  if (p.start >= b.length) return Buffer.alloc(0);
  return b.subarray(p.start, Math.min(b.length, p.start + p.length));
}

/** One message's FETCH response: a line (binary string) when it has no literal, else wire chunks. */
export function renderOne(
  sel: Selected,
  m: MessageMeta,
  seq: number,
  plan: FetchPlan,
  buf?: Buffer,
): string | Buffer[] {
  const parts: (string | Buffer[])[] = [];
  let mime: MimePart | undefined;
  const getMime = () => {
    mime ??= parseMime(buf!);
    return mime;
  };
  let hasUid = false;
  let hasFlags = false;
  let hasModseq = false;
  for (const a of plan.atts) {
    if (a.kind === 'section') {
      const bytes = sectionBytes(
        buf!,
        a.section.part.length ? getMime() : (mime ?? shallow(buf!)),
        a.section,
      );
      parts.push([
        Buffer.from(`${a.label} `, 'latin1'),
        ...literal(partial(bytes ?? Buffer.alloc(0), a.partial)),
      ]);
      continue;
    }
    switch (a.name) {
      case 'UID':
        hasUid = true;
        parts.push(`UID ${m.uid}`);
        break;
      case 'FLAGS':
        hasFlags = true;
        parts.push(`FLAGS ${sel.flagsOf(m)}`);
        break;
      case 'INTERNALDATE':
        parts.push(`INTERNALDATE "${formatDateTime(m.internalDate)}"`);
        break;
      case 'RFC822.SIZE':
        parts.push(`RFC822.SIZE ${m.size}`);
        break;
      case 'MODSEQ':
        hasModseq = true;
        parts.push(`MODSEQ (${m.modseq})`);
        break;
      case 'ENVELOPE':
        parts.push(`ENVELOPE ${envelope(mime ? mime.headers : headerFieldsOf(buf!))}`);
        break;
      case 'BODY':
      case 'BODYSTRUCTURE':
        parts.push(`${a.name} ${bodyStructure(buf!, getMime(), a.name === 'BODYSTRUCTURE')}`);
        break;
      case 'RFC822':
        parts.push([Buffer.from('RFC822 ', 'latin1'), ...literal(buf!)]);
        break;
      case 'RFC822.HEADER':
        parts.push([
          Buffer.from('RFC822.HEADER ', 'latin1'),
          ...literal(sectionBytes(buf!, shallow(buf!), { part: [], text: 'HEADER' })!),
        ]);
        break;
      case 'RFC822.TEXT':
        parts.push([
          Buffer.from('RFC822.TEXT ', 'latin1'),
          ...literal(sectionBytes(buf!, mime ?? shallow(buf!), { part: [], text: 'TEXT' })!),
        ]);
        break;
    }
  }
  if (plan.uid && !hasUid) parts.unshift(`UID ${m.uid}`);
  if (plan.flagsFor?.has(m.uid) && !hasFlags) parts.push(`FLAGS ${sel.flagsOf(m)}`);
  if (plan.modseq && !hasModseq) parts.push(`MODSEQ (${m.modseq})`);
  if (parts.every((p) => typeof p === 'string')) return `* ${seq} FETCH (${parts.join(' ')})\r\n`;
  const out: Buffer[] = [];
  let text = `* ${seq} FETCH (`;
  parts.forEach((p, i) => {
    if (i > 0) text += ' ';
    if (typeof p === 'string') text += p;
    else {
      out.push(Buffer.from(text, 'latin1'), ...p);
      text = '';
    }
  });
  out.push(Buffer.from(`${text})\r\n`, 'latin1'));
  return out;
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
  let lines: string[] = [];
  let linesLen = 0;
  const flushLines = () => {
    if (lines.length) s.push(Buffer.from(lines.join(''), 'latin1'));
    lines = [];
    linesLen = 0;
  };
  const reader = new MessageReader(sel.view, uids);
  for (let i = 0; i < uids.length; i++) {
    const uid = uids[i];
    const m = sel.meta(uid);
    const buf = content && m ? await reader.get(i) : undefined;
    // Gone (expunged elsewhere, or the file vanished): RFC 2180 4.1.1 lets us skip it.
    if (!m || (content && !buf)) continue;
    const r = renderOne(sel, m, sel.seqOf(uid), plan, buf);
    if (typeof r === 'string') {
      // Literal-free lines (FLAGS, UID, sizes) are batched: one Buffer per ~64 KiB, not per message.
      lines.push(r);
      linesLen += r.length;
      if (linesLen < 65536) continue;
    }
    flushLines();
    if (typeof r !== 'string') for (const b of r) s.push(b);
    await s.maybeFlush();
    if (s.isClosed) return;
  }
  flushLines();
}
