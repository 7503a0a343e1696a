/**
 * Response encoding. Protocol text is handled as "binary strings" (latin1: one char per
 * byte), so header bytes from a message — raw 8-bit included — go back to the client
 * exactly as stored and literal lengths are simply string lengths.
 */

/** A string as IMAP quoted (short, safe ASCII) or as a literal (anything else). */
export function str(v: string): string {
  if (v.length <= 1024 && !/[\x00-\x1f\x7f-\xff"\\]/.test(v)) return `"${v}"`;
  if (v.length <= 1024 && !/[\x00-\x1f\x7f-\xff]/.test(v)) return `"${v.replace(/(["\\])/g, '\\$1')}"`;
  return `{${v.length}}\r\n${v}`;
}

/** nstring: NIL for absent values. */
export function nstr(v: string | undefined | null): string {
  return v === undefined || v === null ? 'NIL' : str(v);
}

/** astring: bare atom when safe (mailbox names, flags). */
export function astr(v: string): string {
  if (v.length > 0 && v.length <= 1024 && /^[\x21-\x7e]+$/.test(v) && !/[(){%*"\\\]]/.test(v)) return v;
  return str(v);
}

/** Mailbox name in LIST/LSUB/STATUS responses: quoted, since "%"/"*" may appear and some clients expect quotes. */
export function mailbox(v: string): string {
  if (v.toUpperCase() === 'INBOX') return 'INBOX';
  return str(v);
}

export function list(items: string[]): string {
  return `(${items.join(' ')})`;
}

/** UTF-8 text (e.g. a display value we computed) as a binary string for the wire. */
export function utf8ToBinary(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** A response line (without CRLF) to wire bytes. */
export function toWire(line: string): Buffer {
  return Buffer.from(`${line}\r\n`, 'latin1');
}
