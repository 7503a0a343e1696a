/**
 * Reusable body buffers. Every FETCHed body used to be a fresh ArrayBuffer that lived until
 * a major GC (bodies in flight survive scavenges and get promoted), so a 500 MB run kept
 * tens of MB of dead bodies and malloc churn around. Bodies between 4 KB and 1 MB come from
 * power-of-two classes here and go back when the target has stored them; anything else is
 * an ordinary Buffer. A buffer given back twice, or one the pool never gave out, is ignored.
 */
const MIN = 4096;
const MAX = 1 << 20;
/** Free buffers kept at most (bytes, whole process). */
const CAP = 32 << 20;

const free = new Map<number, Buffer[]>();
const owned = new WeakMap<ArrayBufferLike, { buf: Buffer; free: boolean }>();
let freeBytes = 0;

function classOf(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

export function allocBody(n: number): Buffer {
  if (n < MIN || n > MAX) return Buffer.allocUnsafe(n);
  const size = classOf(n);
  const buf = free.get(size)?.pop();
  if (buf) {
    freeBytes -= size;
    owned.get(buf.buffer)!.free = false;
    return buf.subarray(0, n);
  }
  const fresh = Buffer.allocUnsafeSlow(size);
  owned.set(fresh.buffer, { buf: fresh, free: false });
  return fresh.subarray(0, n);
}

/** Gives a body back once nothing refers to it any more (stored by the target). */
export function releaseBody(b: Buffer): void {
  const o = owned.get(b.buffer);
  if (!o || o.free || b.byteOffset !== 0) return;
  if (freeBytes + o.buf.length > CAP) {
    owned.delete(b.buffer);
    return;
  }
  o.free = true;
  freeBytes += o.buf.length;
  const list = free.get(o.buf.length);
  if (list) list.push(o.buf);
  else free.set(o.buf.length, [o.buf]);
}
