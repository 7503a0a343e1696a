/**
 * Reusable body buffers for FETCHed bodies (see src/buffer-pool.ts for why). Bodies between
 * 4 KB and 1 MB come from the pool and go back when the target has stored them; anything
 * else is an ordinary Buffer. A buffer given back twice, or one the pool never gave out, is
 * ignored.
 */
import { bodyPool as pool } from '../../buffer-pool.js';

const MIN = 4096;
const MAX = 1 << 20;
/** Buffers this module handed out, and whether each is back in the pool. */
const owned = new WeakMap<ArrayBufferLike, { free: boolean }>();

export function allocBody(n: number): Buffer {
  if (n < MIN || n > MAX) return Buffer.allocUnsafe(n);
  const ab = pool.take(n);
  owned.set(ab, { free: false });
  return Buffer.from(ab, 0, n);
}

/** Gives a body back once nothing refers to it any more (stored by the target). */
export function releaseBody(b: Buffer): void {
  const o = owned.get(b.buffer);
  if (!o || o.free || b.byteOffset !== 0) return;
  if (pool.give(b.buffer as ArrayBuffer)) o.free = true;
  else owned.delete(b.buffer);
}
