/**
 * Reusable ArrayBuffers in power-of-two size classes. Message bodies that pass through by
 * the thousand (migration's FETCH bodies, the store's writer-thread copies) each used to be
 * a fresh allocation: page faults and malloc churn (a migration's sys time nearly doubled),
 * and dead bodies that lived until a major GC. A class buffer is taken, used, and given
 * back once nothing refers to it any more.
 */
export class SizeClassPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private freeBytes = 0;

  /**
   * @param min smallest class (smaller requests get it)
   * @param max largest class (larger requests get an exact, unpooled buffer)
   * @param cap free bytes kept at most
   */
  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly cap: number,
  ) {}

  /** A buffer of at least `size` bytes: a class buffer up to `max`, else an exact one. */
  take(size: number): ArrayBuffer {
    if (size > this.max) return fresh(size);
    const cls = Math.max(this.min, 2 ** Math.ceil(Math.log2(Math.max(size, 1))));
    const ab = this.free.get(cls)?.pop();
    if (!ab) return fresh(cls);
    this.freeBytes -= cls;
    return ab;
  }

  /** Keeps `ab` for reuse when it is a class buffer and the cap allows; says whether it did. */
  give(ab: ArrayBuffer): boolean {
    const cls = ab.byteLength;
    if (cls < this.min || cls > this.max || (cls & (cls - 1)) !== 0 || this.freeBytes + cls > this.cap)
      return false;
    const list = this.free.get(cls);
    if (list) list.push(ab);
    else this.free.set(cls, [ab]);
    this.freeBytes += cls;
    return true;
  }
}

/** Not zero-filled: every byte handed out is written before it is read. */
function fresh(size: number): ArrayBuffer {
  return Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
}

/**
 * The one pool for message bodies in flight: FETCHed bodies (src/migrate/wire/pool.ts) and
 * the writer thread's copies (src/store/maildir/durable-writer.ts). One cap for both: a
 * migration into the store uses the two side by side, and two pools of their own kept
 * twice the free memory.
 */
export const bodyPool = new SizeClassPool(4096, 1 << 20, 32 << 20);
