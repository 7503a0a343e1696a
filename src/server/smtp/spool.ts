/**
 * Holds one incoming message while the data-stage checks look at it and until every
 * recipient has its copy: in memory up to a threshold, in a temp file beyond it, so a 50 MB
 * message costs the same memory as a 50 KB one. Bare LF line ends become CRLF on the way in;
 * bytes beyond the size limit are read and dropped (the client gets 552 at the end).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';

/** Messages up to this size stay in memory. */
export const MEMORY_LIMIT = 256 * 1024;
const CR = Buffer.from('\r');
/** Header bytes kept for header checks (From). */
const HEAD_LIMIT = 64 * 1024;

export interface SpooledMessage {
  readonly size: number;
  readonly oversized: boolean;
  /** The first bytes up to the end of the header block (bounded). */
  head(): string;
  /** A fresh stream of the whole message, as often as needed. */
  stream(): Readable;
  /** The whole message when it stayed in memory (under the memory limit), else undefined. */
  inMemory(): Buffer | undefined;
  dispose(): Promise<void>;
}

export class Spool extends Writable implements SpooledMessage {
  size = 0;
  oversized = false;
  private chunks: Buffer[] = [];
  private file?: { path: string; out: WriteStream };
  private prevCR = false;
  private headText = '';
  private headDone = false;

  constructor(
    private readonly dir: string,
    private readonly maxSize: number,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  /** Converts lone LF to CRLF, remembering a CR that ended the previous chunk. Uses native indexOf: this runs on every byte received. */
  private crlf(chunk: Buffer): Buffer {
    const bare: number[] = [];
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) {
      if (i === 0 ? !this.prevCR : chunk[i - 1] !== 0x0d) bare.push(i);
    }
    this.prevCR = chunk.length > 0 && chunk[chunk.length - 1] === 0x0d;
    if (bare.length === 0) return chunk;
    const parts: Buffer[] = [];
    let from = 0;
    for (const i of bare) {
      parts.push(chunk.subarray(from, i), CR);
      from = i;
    }
    parts.push(chunk.subarray(from));
    return Buffer.concat(parts, chunk.length + bare.length);
  }

  private noteHead(buf: Buffer): void {
    if (this.headDone) return;
    this.headText += buf.toString('latin1', 0, Math.min(buf.length, HEAD_LIMIT - this.headText.length));
    const end = this.headText.indexOf('\r\n\r\n');
    if (end >= 0) {
      this.headText = this.headText.slice(0, end + 2);
      this.headDone = true;
    } else if (this.headText.length >= HEAD_LIMIT) {
      this.headDone = true;
    }
  }

  override _write(raw: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.oversized) {
      cb();
      return;
    }
    const chunk = this.crlf(raw);
    if (this.size + chunk.length > this.maxSize) {
      // Keep reading (the client is still sending) but keep nothing.
      this.oversized = true;
      this.size += chunk.length;
      this.chunks = [];
      cb();
      return;
    }
    this.size += chunk.length;
    this.noteHead(chunk);
    if (this.file) {
      if (this.file.out.write(chunk)) cb();
      else this.file.out.once('drain', () => cb());
      return;
    }
    this.chunks.push(chunk);
    if (this.size <= MEMORY_LIMIT) {
      cb();
      return;
    }
    // Spill to disk: memory stays flat from here on.
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${Date.now()}.${randomBytes(6).toString('hex')}.eml`);
    const out = createWriteStream(path);
    out.on('error', (e) => this.destroy(e));
    this.file = { path, out };
    const pending = Buffer.concat(this.chunks);
    this.chunks = [];
    if (out.write(pending)) cb();
    else out.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.file) this.file.out.end(() => cb());
    else cb();
  }

  head(): string {
    return this.headText;
  }

  /** The whole message when it stayed in memory (under the memory limit), else undefined. */
  inMemory(): Buffer | undefined {
    if (this.file || this.oversized) return undefined;
    const whole = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [whole];
    return whole;
  }

  stream(): Readable {
    if (this.file) return createReadStream(this.file.path, { highWaterMark: 64 * 1024 });
    const whole = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [whole];
    let sent = false;
    return new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push(whole);
        }
        this.push(null);
      },
    });
  }

  async dispose(): Promise<void> {
    this.chunks = [];
    if (this.file) {
      const { path, out } = this.file;
      this.file = undefined;
      out.destroy();
      await unlink(path).catch(() => undefined);
    }
  }
}
