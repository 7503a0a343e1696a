/**
 * A session's pending output. Lines and small buffers are copied into one growing chunk
 * (a few KiB for a tagged reply, up to CHUNK_MAX for a bulk FETCH), so a batch goes to
 * the socket as one Buffer — or, when large message bodies were queued as-is, as one
 * corked writev — never as one write per line. An idle session holds no chunk at all.
 */

const CHUNK_MIN = 4 * 1024;
const CHUNK_MAX = 256 * 1024;
/** Buffers at least this big are queued by reference rather than copied. */
const BY_REFERENCE = 64 * 1024;

export class OutQueue {
  private done: Buffer[] = [];
  private cur?: Buffer;
  private pos = 0;
  private total = 0;
  /** First chunk size of the next batch: bulk output keeps big chunks, replies start small. */
  private start = CHUNK_MIN;

  get length(): number {
    return this.total;
  }

  /** Appends a binary string (one char per byte). */
  text(s: string): void {
    if (!this.cur || this.cur.length - this.pos < s.length) this.grow(s.length);
    this.pos += this.cur!.write(s, this.pos, 'latin1');
    this.total += s.length;
  }

  /** Appends bytes; big ones are kept by reference unless `transient` (a reused buffer). */
  bytes(b: Buffer, transient = false): void {
    if (b.length >= BY_REFERENCE && !transient) {
      this.close();
      this.done.push(b);
      this.total += b.length;
      return;
    }
    if (!this.cur || this.cur.length - this.pos < b.length) this.grow(b.length);
    b.copy(this.cur!, this.pos);
    this.pos += b.length;
    this.total += b.length;
  }

  /** Everything queued, in order; the queue is empty afterwards. */
  take(): Buffer[] {
    this.close();
    const out = this.done;
    this.start = this.total >= CHUNK_MAX ? CHUNK_MAX : CHUNK_MIN;
    this.done = [];
    this.total = 0;
    return out;
  }

  clear(): void {
    this.done = [];
    this.cur = undefined;
    this.pos = 0;
    this.total = 0;
  }

  private close(): void {
    if (this.cur && this.pos > 0) this.done.push(this.cur.subarray(0, this.pos));
    this.cur = undefined;
    this.pos = 0;
  }

  /** Starts a new chunk, twice the last size (bulk output settles at CHUNK_MAX). */
  private grow(need: number): void {
    const last = this.cur?.length ?? 0;
    this.close();
    const size = Math.max(need, last ? Math.min(CHUNK_MAX, last * 2) : this.start);
    this.cur = Buffer.allocUnsafe(size);
  }
}
