/**
 * POP3 syntax (RFC 1939, RFC 2449 CAPA and response codes, RFC 2595 STLS, RFC 5034 AUTH).
 * Pure: command parsing, reply lines, dot-stuffing of multi-line data, TOP cutting, UIDLs.
 */

export type Pop3Verb =
  | 'USER'
  | 'PASS'
  | 'AUTH'
  | 'CAPA'
  | 'STLS'
  | 'STAT'
  | 'LIST'
  | 'RETR'
  | 'DELE'
  | 'RSET'
  | 'TOP'
  | 'UIDL'
  | 'NOOP'
  | 'QUIT'
  | 'APOP';

const VERBS = new Set<string>([
  'USER',
  'PASS',
  'AUTH',
  'CAPA',
  'STLS',
  'STAT',
  'LIST',
  'RETR',
  'DELE',
  'RSET',
  'TOP',
  'UIDL',
  'NOOP',
  'QUIT',
  'APOP',
]);

export type ParsedCommand =
  | { ok: true; verb: Pop3Verb; args: string[]; rest: string }
  | { ok: false; error: string };

/** Longest command line we read (RFC 2449 allows 255 octets; AUTH responses are longer). */
export const MAX_COMMAND_LINE = 8192;

/**
 * Parses one command line (without CRLF). Keywords are case-insensitive (RFC 1939 §3);
 * `rest` keeps everything after the verb verbatim (PASS allows spaces in passwords).
 */
export function parseCommand(line: string): ParsedCommand {
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(line))
    return { ok: false, error: 'control characters in command' };
  const sp = line.indexOf(' ');
  const word = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
  const rest = sp < 0 ? '' : line.slice(sp + 1);
  if (word.length === 0 || word.length > 4 || !VERBS.has(word))
    return { ok: false, error: 'unknown command' };
  const args = rest.split(' ').filter((a) => a.length > 0);
  return { ok: true, verb: word as Pop3Verb, args, rest };
}

/** A message number argument: 1…max, decimal, no sign. */
export function parseMsgNumber(arg: string | undefined, max: number): number | undefined {
  if (arg === undefined || !/^\d{1,9}$/.test(arg)) return undefined;
  const n = Number(arg);
  return n >= 1 && n <= max ? n : undefined;
}

/** A non-negative line count for TOP. */
export function parseLineCount(arg: string | undefined): number | undefined {
  if (arg === undefined || !/^\d{1,9}$/.test(arg)) return undefined;
  return Number(arg);
}

export function ok(text = ''): string {
  return text ? `+OK ${text}\r\n` : '+OK\r\n';
}

/** "-ERR [CODE] text" (RFC 2449 response codes: AUTH, IN-USE, SYS/TEMP, SYS/PERM, LOGIN-DELAY). */
export function err(text: string, code?: string): string {
  return `-ERR ${code ? `[${code}] ` : ''}${text}\r\n`;
}

/** Multi-line response: lines (without CRLF), dot-stuffed, then the terminator. */
export function multiline(first: string, lines: readonly string[]): string {
  let out = `+OK${first ? ` ${first}` : ''}\r\n`;
  for (const l of lines) out += `${l.startsWith('.') ? '.' : ''}${l}\r\n`;
  return `${out}.\r\n`;
}

/** Capabilities for CAPA (RFC 2449 §5), depending on the session's state. */
export function capaLines(opts: {
  tls: boolean;
  canStls: boolean;
  plaintextAllowed: boolean;
  implementation?: string;
}): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (opts.canStls && !opts.tls) caps.push('STLS');
  if (opts.plaintextAllowed) caps.push('USER', 'SASL PLAIN LOGIN');
  caps.push(`IMPLEMENTATION ${opts.implementation ?? 'mailctl'}`);
  return caps;
}

/**
 * Dot-stuffing for message data across chunk boundaries: a "." at the start of a line gets
 * another "." (RFC 1939 §3). Input is CRLF text; the caller sends "\r\n.\r\n" at the end.
 */
export class DotStuffer {
  private atLineStart = true;
  private lastByte = -1;

  push(chunk: Buffer): Buffer {
    const parts: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.atLineStart && b === 0x2e) {
        parts.push(chunk.subarray(start, i), DOT);
        start = i;
      }
      this.atLineStart = b === 0x0a;
    }
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1];
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(start));
    return Buffer.concat(parts);
  }

  /** What to send after the data: CRLF if the message did not end with one, then ".". */
  end(): Buffer {
    return this.lastByte === 0x0a || this.lastByte === -1 ? TERM : Buffer.concat([CRLF, TERM]);
  }
}
const DOT = Buffer.from('.');
const CRLF = Buffer.from('\r\n');
const TERM = Buffer.from('.\r\n');

/** TOP: the header, the blank line, and the first `lines` lines of the body (RFC 1939 §7). */
export function topOf(message: Buffer, lines: number): Buffer {
  let i = message.indexOf('\r\n\r\n');
  if (i < 0) return message; // no body: everything is header
  i += 4;
  let end = i;
  for (let n = 0; n < lines && end < message.length; n++) {
    const nl = message.indexOf('\n', end);
    end = nl < 0 ? message.length : nl + 1;
  }
  return message.subarray(0, end);
}

/** What Dovecot's default pop3_uidl_format "%08Xu%08Xv" produces (lower-case hex, checked against Dovecot 2.3), so UIDLs survive a switch either way. */
export function uidl(uid: number, uidValidity: number): string {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return `${hex(uid)}${hex(uidValidity)}`;
}
