/**
 * Mailbox-level IMAP operations on a WireConn, shared by the IMAP source and target:
 * LIST/LSUB with modified UTF-7 names decoded, STATUS, SELECT/EXAMINE, metadata FETCH, and
 * body FETCH as a stream that pauses the socket while the consumer is behind.
 */
import { parseDateTime } from '../../proto/imap/args.js';
import { decodeMutf7, encodeMutf7 } from '../../proto/mutf7.js';
import type { Part, WireConn } from './conn.js';
import { fetchAttrs, type Item, quotable, quote, type Response, str } from './parse.js';

export interface WireFolder {
  /** As on the wire (modified UTF-7), for commands. */
  wire: string;
  /** Decoded UTF-8 name (the wire name when it does not decode). */
  name: string;
  delimiter: string;
  attrs: string[];
  nameProblem?: string;
}

/** A mailbox name argument: decoded UTF-8 in, modified UTF-7 quoted on the wire. */
export function mailboxArg(wire: string): Part {
  return quotable(wire) ? quote(wire) : { literal: Buffer.from(wire, 'latin1') };
}

export function toWireName(name: string): string {
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : encodeMutf7(name);
}

export async function listFolders(c: WireConn, cmd: 'LIST' | 'LSUB' = 'LIST'): Promise<WireFolder[]> {
  const out: WireFolder[] = [];
  await c.command([`${cmd} "" "*"`], (r) => {
    if (r.kind !== cmd) return;
    const [attrs, delim, name] = r.items;
    const wire = str(name);
    let decoded = wire;
    let nameProblem: string | undefined;
    try {
      decoded = wire.toUpperCase() === 'INBOX' ? 'INBOX' : decodeMutf7(wire);
    } catch (e) {
      nameProblem = `folder name is not valid modified UTF-7 (${(e as Error).message}); kept as is`;
      decoded = Buffer.from(wire, 'latin1').toString('utf8');
    }
    out.push({
      wire,
      name: decoded,
      delimiter: str(delim),
      attrs: Array.isArray(attrs) ? attrs.map((a) => str(a)) : [],
      nameProblem,
    });
  });
  return out;
}

const SPECIAL = new Set(['\\sent', '\\drafts', '\\trash', '\\junk', '\\archive', '\\all', '\\flagged']);

/** The RFC 6154 special-use attribute among LIST attributes, capitalised ("\\Sent"). */
export function specialUseOf(attrs: readonly string[]): string | undefined {
  const a = attrs.find((x) => SPECIAL.has(x.toLowerCase()));
  return a ? `\\${a.slice(1, 2).toUpperCase()}${a.slice(2).toLowerCase()}` : undefined;
}

export async function personalPrefix(c: WireConn): Promise<string> {
  if (!c.caps.has('NAMESPACE')) return '';
  let prefix = '';
  await c.command(['NAMESPACE'], (r) => {
    if (r.kind !== 'NAMESPACE') return;
    const personal = r.items[0];
    if (Array.isArray(personal) && Array.isArray(personal[0])) prefix = str(personal[0][0]);
  });
  return prefix;
}

export interface WireStatus {
  uidValidity: number;
  uidNext: number;
  messages: number;
  highestModseq?: string;
}

export async function status(c: WireConn, wire: string): Promise<WireStatus> {
  const want = ['UIDVALIDITY', 'UIDNEXT', 'MESSAGES'];
  if (c.caps.has('CONDSTORE')) want.push('HIGHESTMODSEQ');
  const s: WireStatus = { uidValidity: 0, uidNext: 0, messages: 0 };
  await c.command(['STATUS ', mailboxArg(wire), ` (${want.join(' ')})`], (r) => {
    if (r.kind !== 'STATUS' || str(r.items[0]) !== wire) return;
    const kv = Array.isArray(r.items[1]) ? r.items[1] : [];
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const k = str(kv[i]).toUpperCase();
      const v = str(kv[i + 1]);
      if (k === 'UIDVALIDITY') s.uidValidity = Number(v);
      else if (k === 'UIDNEXT') s.uidNext = Number(v);
      else if (k === 'MESSAGES') s.messages = Number(v);
      else if (k === 'HIGHESTMODSEQ') s.highestModseq = v;
    }
  });
  return s;
}

export interface Selected {
  uidValidity: number;
  exists: number;
}

export async function select(c: WireConn, wire: string, readOnly: boolean): Promise<Selected> {
  const sel: Selected = { uidValidity: 0, exists: 0 };
  await c.command([readOnly ? 'EXAMINE ' : 'SELECT ', mailboxArg(wire)], (r) => {
    if (r.kind === 'EXISTS' && r.num !== undefined) sel.exists = r.num;
    if (r.kind === 'OK' && r.code?.[0] === 'UIDVALIDITY') sel.uidValidity = Number(r.code[1]);
  });
  return sel;
}

export interface MetaRow {
  uid: number;
  flags: string[];
  internalDate?: Date;
  size?: number;
  modseq?: string;
  header?: Buffer;
}

export function parseDate(i: Item | undefined): Date {
  const v = str(i);
  try {
    return parseDateTime(v);
  } catch {
    return new Date(v);
  }
}

function metaOf(r: Response): MetaRow | undefined {
  if (r.kind !== 'FETCH') return undefined;
  const a = fetchAttrs(r.items);
  const uid = a.get('UID');
  if (uid === undefined) return undefined;
  const flags = a.get('FLAGS');
  const row: MetaRow = { uid: Number(str(uid)), flags: Array.isArray(flags) ? flags.map((f) => str(f)) : [] };
  if (a.has('INTERNALDATE')) row.internalDate = parseDate(a.get('INTERNALDATE'));
  if (a.has('RFC822.SIZE')) row.size = Number(str(a.get('RFC822.SIZE')));
  const ms = a.get('MODSEQ');
  if (Array.isArray(ms)) row.modseq = str(ms[0]);
  for (const [k, v] of a)
    if (k.startsWith('BODY[HEADER')) row.header = Buffer.isBuffer(v) ? v : Buffer.alloc(0);
  return row;
}

/**
 * UID FETCH of metadata (no bodies) for a UID range, e.g. "1:*", with optional modifiers.
 * With `each`, rows go to it as they arrive and none are collected: a 100,000-message
 * folder's rows held at once were ~30 MB on top of what the caller keeps of them.
 */
export async function fetchMeta(
  c: WireConn,
  range: string,
  items: string,
  modifiers = '',
  each?: (m: MetaRow) => void,
): Promise<MetaRow[]> {
  const out: MetaRow[] = [];
  await c.command([`UID FETCH ${range} (${items})${modifiers ? ` (${modifiers})` : ''}`], (r) => {
    const m = metaOf(r);
    if (!m) return;
    if (each) each(m);
    else out.push(m);
  });
  return out;
}

/** Compact UID set strings of at most ~`maxLen` characters each (servers limit line length). */
export function uidSets(uids: readonly number[], maxLen = 4000): string[] {
  const sorted = [...uids].sort((a, b) => a - b);
  const sets: string[] = [];
  let cur = '';
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    const part = j > i ? `${sorted[i]}:${sorted[j]}` : String(sorted[i]);
    if (cur && cur.length + part.length + 1 > maxLen) {
      sets.push(cur);
      cur = '';
    }
    cur = cur ? `${cur},${part}` : part;
    i = j + 1;
  }
  if (cur) sets.push(cur);
  return sets;
}

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

/**
 * Bodies of the given UIDs, in server order, as they arrive: every FETCH is sent at once
 * (pipelined), the socket pauses while more than HIGH_WATER bytes wait for the consumer.
 */
export async function* fetchBodies(
  c: WireConn,
  uids: readonly number[],
): AsyncGenerator<{ uid: number; body: Buffer }> {
  const queue: { uid: number; body: Buffer }[] = [];
  let queued = 0;
  let paused = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: Error | undefined;
  const onFetch = (r: Response) => {
    if (stopped || r.kind !== 'FETCH') return;
    const a = fetchAttrs(r.items);
    const body = a.get('BODY[]');
    if (!Buffer.isBuffer(body)) return;
    queue.push({ uid: Number(str(a.get('UID'))), body });
    queued += body.length;
    if (queued > HIGH_WATER && !paused) {
      paused = true;
      c.pause();
    }
    wake?.();
  };
  const all = Promise.all(
    uidSets(uids).map((set) => c.command([`UID FETCH ${set} (UID BODY.PEEK[])`], onFetch)),
  );
  all.then(
    () => {
      finished = true;
      wake?.();
    },
    (e: Error) => {
      failure = e;
      finished = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        queued -= next.body.length;
        if (paused && queued < LOW_WATER) {
          paused = false;
          c.resume();
        }
        yield next;
        continue;
      }
      if (finished) {
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
  } finally {
    stopped = true;
    queue.length = 0;
    if (paused) c.resume();
  }
}
