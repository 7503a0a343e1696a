/**
 * Splits the client's byte stream into whole IMAP commands. A command is one line plus any
 * literals it announces ({n} synchronising, {n+} LITERAL+), kept as one Buffer with the
 * literal bytes in place, so the tokenizer can read it without further I/O.
 *
 * Limits are enforced here, before bytes are buffered: a line longer than `maxLine` and a
 * literal larger than `maxLiteral` are refused as soon as they are seen — a synchronising
 * literal is refused *without* sending "+", so the client never sends it.
 */

export type FrameEvent =
  /** A complete command (line(s) and literals, without the final CRLF). */
  | { type: 'command'; data: Buffer }
  /** The client announced a synchronising literal of `size` bytes and waits for "+". */
  | { type: 'continue'; size: number }
  /** The command was refused; `fatal` means the stream cannot be resynchronised (close). */
  | { type: 'error'; reason: 'line-too-long' | 'literal-too-large'; tag: string; fatal: boolean };

export interface FramerLimits {
  maxLine: number;
  maxLiteral: number;
}

const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;

export class CommandFramer {
  /** Bytes not yet framed. */
  private pending: Buffer = Buffer.alloc(0);
  /** Parts of the command being assembled (earlier lines and literals). */
  private parts: Buffer[] = [];
  private partsLen = 0;
  /** Literal bytes still expected. */
  private literalLeft = 0;
  /** Discarding an over-long line until its CRLF. */
  private discarding = false;

  constructor(private limits: FramerLimits) {}

  setLimits(l: FramerLimits): void {
    this.limits = l;
  }

  /** True when nothing is buffered: no partial line, no literal in progress. */
  get idle(): boolean {
    return this.pending.length === 0 && this.parts.length === 0 && this.literalLeft === 0;
  }

  /** Feeds bytes; returns the events they complete, in order. */
  push(chunk: Buffer): FrameEvent[] {
    const out: FrameEvent[] = [];
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.literalLeft > 0) {
        if (this.pending.length === 0) break;
        const n = Math.min(this.literalLeft, this.pending.length);
        this.addPart(this.pending.subarray(0, n));
        this.pending = this.pending.subarray(n);
        this.literalLeft -= n;
        if (this.literalLeft > 0) break;
        continue;
      }
      const lf = this.pending.indexOf(10);
      if (lf < 0) {
        if (this.discarding) this.pending = Buffer.alloc(0);
        else if (this.pending.length > this.limits.maxLine) {
          out.push(this.tooLong());
          this.discarding = true;
          this.pending = Buffer.alloc(0);
        }
        break;
      }
      const end = lf > 0 && this.pending[lf - 1] === 13 ? lf - 1 : lf;
      const line = this.pending.subarray(0, end);
      this.pending = this.pending.subarray(lf + 1);
      if (this.discarding) {
        this.discarding = false;
        this.reset();
        continue;
      }
      if (line.length > this.limits.maxLine) {
        out.push(this.tooLong(line));
        this.reset();
        continue;
      }
      const ev = this.line(line);
      if (ev) {
        out.push(ev);
        if (ev.type === 'error' && ev.fatal) {
          this.pending = Buffer.alloc(0);
          break;
        }
      }
    }
    if (this.pending.length && this.pending.byteOffset !== 0) this.pending = Buffer.from(this.pending);
    return out;
  }

  private line(line: Buffer): FrameEvent | undefined {
    // Only the tail can announce a literal; decode just that much.
    const tail = line.subarray(Math.max(0, line.length - 24)).toString('latin1');
    const m = LITERAL_AT_END.exec(tail);
    if (!m) {
      this.addPart(line);
      const data = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partsLen);
      this.reset();
      return { type: 'command', data: Buffer.from(data) };
    }
    const size = Number(m[1]);
    const nonSync = m[2] === '+';
    if (!Number.isSafeInteger(size) || size > this.limits.maxLiteral) {
      const tag = this.tagOf(line);
      this.reset();
      // A non-synchronising literal is already on its way: we cannot skip it safely.
      return { type: 'error', reason: 'literal-too-large', tag, fatal: nonSync };
    }
    this.addPart(line);
    this.addPart(Buffer.from('\r\n'));
    this.literalLeft = size;
    return nonSync ? undefined : { type: 'continue', size };
  }

  private tagOf(line: Buffer): string {
    const first = this.parts.length ? this.parts[0] : line;
    const sp = first.indexOf(32);
    const tag = first.subarray(0, sp < 0 ? Math.min(first.length, 64) : Math.min(sp, 64)).toString('latin1');
    return /^[\x21-\x7e]+$/.test(tag) && !/[(){%*"\\+]/.test(tag) ? tag : '*';
  }

  private tooLong(line?: Buffer): FrameEvent {
    const tag = this.tagOf(line ?? this.pending);
    return { type: 'error', reason: 'line-too-long', tag, fatal: false };
  }

  private addPart(b: Buffer): void {
    this.parts.push(b);
    this.partsLen += b.length;
  }

  private reset(): void {
    this.parts = [];
    this.partsLen = 0;
    this.literalLeft = 0;
  }
}
