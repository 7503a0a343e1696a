/** Content identity: sha256 over CRLF-normalised bytes, the form IMAP serves and the manifest uses. */
import { createHash, type Hash } from 'node:crypto';

/** Bare LF → CRLF; existing CRLF kept. */
export function toCrlf(buf: Buffer): Buffer {
  let extra = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1))
    if (i === 0 || buf[i - 1] !== 13) extra++;
  if (extra === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + extra);
  let o = 0;
  let start = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) {
    if (i === 0 || buf[i - 1] !== 13) {
      o += buf.copy(out, o, start, i);
      out[o++] = 13;
      start = i;
    }
  }
  buf.copy(out, o, start);
  return out;
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(toCrlf(buf)).digest('hex');
}

/** Incremental CRLF-normalised hashing across chunk boundaries (mbox listing streams). */
export class CrlfHasher {
  private readonly h: Hash = createHash('sha256');
  private lastCr = false;
  bytes = 0;
  update(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
      const prevCr = i === 0 ? this.lastCr : chunk[i - 1] === 13;
      if (!prevCr) {
        this.h.update(chunk.subarray(start, i));
        this.h.update(CR);
        this.bytes += i - start + 1;
        start = i;
      }
    }
    this.h.update(chunk.subarray(start));
    this.bytes += chunk.length - start;
    this.lastCr = chunk[chunk.length - 1] === 13;
  }
  digest(): string {
    return this.h.digest('hex');
  }
}
const CR = Buffer.from('\r');
