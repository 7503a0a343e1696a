/**
 * A streaming mbox parser (pure: bytes in, events out). Handles mboxrd and mboxo quoting,
 * strips the status headers a mail client keeps in the file (turning them into flags),
 * and reports a line that looks like a damaged "From " separator with its line number
 * instead of failing the whole file.
 */

export type MboxFormat = 'mboxrd' | 'mboxo';

export interface MboxStart {
  /** 1-based line number of the "From " separator. */
  line: number;
  fromLine: string;
  /** Date from the separator line (UTC unless it names an offset); undefined when unparsable. */
  date?: Date;
}

export interface MboxEnd {
  flags: string[];
  messageId: string | null;
}

export interface MboxEvents {
  start(m: MboxStart): void;
  data(chunk: Buffer): void;
  end(m: MboxEnd): void;
  problem(line: number, message: string): void;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const SEPARATOR =
  /^From \S*\s+(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s+(?:[A-Z]{1,5}|([+-]\d{4})))?\s+(\d{4})(?:\s+([+-]\d{4}))?\s*$/;
const STATUS_HEADER =
  /^(status|x-status|x-keywords|x-uid|content-length|x-imap|x-imapbase|x-mozilla-status2?):/i;

/** Parses a "From " separator line; undefined when it is not a valid one. */
export function parseFromLine(line: string): { date: Date } | undefined {
  const m = SEPARATOR.exec(line.replace(/\r?\n$/, ''));
  if (!m) return undefined;
  const mon = MONTHS.indexOf(m[1].toLowerCase());
  if (mon < 0) return undefined;
  const tz = m[6] ?? m[8];
  let t = Date.UTC(Number(m[7]), mon, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5] ?? 0));
  if (tz) t -= (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5))) * 60_000;
  return Number.isFinite(t) ? { date: new Date(t) } : undefined;
}

/** Status / X-Status / X-Keywords / X-Mozilla-Status values → IMAP flags. */
export function statusFlags(name: string, value: string): string[] {
  const n = name.toLowerCase();
  const v = value.trim();
  if (n === 'status') return v.includes('R') ? ['\\Seen'] : [];
  if (n === 'x-status') {
    const map: Record<string, string> = { A: '\\Answered', F: '\\Flagged', T: '\\Draft', D: '\\Deleted' };
    return [...v].filter((c) => map[c]).map((c) => map[c]);
  }
  if (n === 'x-keywords') return v.split(/[\s,]+/).filter(Boolean);
  if (n === 'x-mozilla-status') {
    const bits = Number.parseInt(v, 16) || 0;
    return [
      ...(bits & 1 ? ['\\Seen'] : []),
      ...(bits & 2 ? ['\\Answered'] : []),
      ...(bits & 4 ? ['\\Flagged'] : []),
      ...(bits & 8 ? ['\\Deleted'] : []),
    ];
  }
  return [];
}

function isBlank(line: Buffer): boolean {
  return line.length === 1 ? line[0] === 10 : line.length === 2 && line[0] === 13 && line[1] === 10;
}

const FROM = Buffer.from('From ');

export class MboxParser {
  private rest: Buffer = Buffer.alloc(0);
  private lineNo = 0;
  private state: 'prelude' | 'skip' | 'headers' | 'body' = 'prelude';
  private pendingBlank: Buffer | undefined;
  private flags = new Set<string>();
  private messageId: string | null = null;
  private droppingHeader = false;

  constructor(
    private readonly ev: MboxEvents,
    private readonly format: MboxFormat = 'mboxrd',
  ) {}

  push(chunk: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, start)) {
      this.line(buf.subarray(start, i + 1));
      start = i + 1;
    }
    buf = buf.subarray(start);
    // copy so the caller's chunk can be reused
    this.rest = Buffer.from(buf);
  }

  finish(): void {
    if (this.rest.length) this.line(this.rest);
    this.rest = Buffer.alloc(0);
    if (this.state === 'headers' || this.state === 'body') this.endMessage();
  }

  private line(line: Buffer): void {
    this.lineNo++;
    const startsFrom = line.length >= 5 && line.subarray(0, 5).equals(FROM);
    if (this.state === 'prelude' || this.state === 'skip') {
      if (startsFrom) {
        this.startMessage(line, this.state === 'prelude');
        return;
      }
      if (this.state === 'prelude' && !isBlank(line)) {
        this.ev.problem(
          this.lineNo,
          'not an mbox file here: expected a "From " separator line; text skipped up to the next one',
        );
        this.state = 'skip';
      }
      return;
    }
    if (startsFrom && (this.pendingBlank || this.state === 'headers')) {
      if (this.pendingBlank && parseFromLine(line.toString('latin1'))) {
        this.pendingBlank = undefined;
        this.endMessage();
        this.startMessage(line, false);
        return;
      }
      this.ev.problem(
        this.lineNo,
        `looks like a damaged "From " separator (${line.toString('latin1').trim().slice(0, 60)}); kept as message text`,
      );
    }
    if (this.pendingBlank) {
      this.ev.data(this.pendingBlank);
      this.pendingBlank = undefined;
    }
    if (this.state === 'headers') {
      this.headerLine(line);
      return;
    }
    if (isBlank(line)) {
      this.pendingBlank = Buffer.from(line);
      return;
    }
    this.ev.data(this.unquote(line));
  }

  private headerLine(line: Buffer): void {
    if (isBlank(line)) {
      this.state = 'body';
      this.droppingHeader = false;
      this.ev.data(line);
      return;
    }
    const text = line.toString('latin1');
    if ((text[0] === ' ' || text[0] === '\t') && this.droppingHeader) return;
    const m = STATUS_HEADER.exec(text);
    this.droppingHeader = Boolean(m);
    if (m) {
      for (const f of statusFlags(m[1], text.slice(m[0].length))) this.flags.add(f);
      return;
    }
    const id = /^message-id:\s*(.*?)\s*$/i.exec(text);
    if (id) this.messageId = id[1] || null;
    this.ev.data(this.unquote(line));
  }

  private unquote(line: Buffer): Buffer {
    if (line[0] !== 0x3e) return line;
    const pattern = this.format === 'mboxrd' ? /^>+From / : /^>From /;
    return pattern.test(line.subarray(0, 80).toString('latin1')) ? line.subarray(1) : line;
  }

  private startMessage(line: Buffer, first: boolean): void {
    const text = line.toString('latin1');
    const parsed = parseFromLine(text);
    if (!parsed && first)
      this.ev.problem(this.lineNo, `the first "From " line has no valid date (${text.trim().slice(0, 60)})`);
    this.state = 'headers';
    this.flags = new Set();
    this.messageId = null;
    this.ev.start({ line: this.lineNo, fromLine: text.replace(/\r?\n$/, ''), date: parsed?.date });
  }

  private endMessage(): void {
    this.ev.end({ flags: [...this.flags], messageId: this.messageId });
    this.state = 'skip';
  }
}
