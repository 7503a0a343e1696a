/**
 * Argon2 off the main thread, with bounded concurrency and memory.
 *
 * The native `argon2` package runs each hash on libuv's thread pool (~25 ms for our
 * 19 MiB/t=2 parameters here, against ~70 ms for hash-wasm, which also blocks the event
 * loop). A login storm must neither stall every other session nor allocate 19+ MiB per
 * waiting client, so hashes go through a limiter: at most `slots` at once (one per core,
 * leaving thread-pool threads free for file I/O) and at most MEMORY_BUDGET_KIB of argon2
 * memory in flight; the rest wait in a queue that holds only closures.
 *
 * We parse and write the PHC string ourselves (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`,
 * the order libsodium/Dovecot and OpenLDAP write and require) and hand the native binding
 * raw parameters. If the native module cannot load on some platform, hash-wasm is the
 * fallback (correct, just slower and on the main thread).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';

type Variant = 'argon2d' | 'argon2i' | 'argon2id';

export interface Argon2Params {
  variant: Variant;
  version: number;
  m: number;
  t: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

interface NativeArgon2 {
  hash(
    password: Buffer,
    o: {
      raw: true;
      type: 0 | 1 | 2;
      version: number;
      memoryCost: number;
      timeCost: number;
      parallelism: number;
      hashLength: number;
      salt: Buffer;
    },
  ): Promise<Buffer>;
}

const TYPE = { argon2d: 0, argon2i: 1, argon2id: 2 } as const;
/** Refuse absurd stored parameters rather than let one hash take the process down. */
const MAX_MEMORY_KIB = 1024 * 1024;
const MEMORY_BUDGET_KIB = 160 * 1024;

let native: NativeArgon2 | null | undefined;
function loadNative(): NativeArgon2 | null {
  if (native !== undefined) return native;
  try {
    native = createRequire(import.meta.url)('argon2') as NativeArgon2;
  } catch {
    native = null;
  }
  return native;
}

/** Which implementation verifies hashes (for logs and the benchmark). */
export function argon2Backend(): 'native' | 'wasm' {
  return loadNative() ? 'native' : 'wasm';
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

export function encodeArgon2(a: Argon2Params): string {
  return `$${a.variant}$v=${a.version}$m=${a.m},t=${a.t},p=${a.p}$${b64(a.salt)}$${b64(a.hash)}`;
}

/** Parses `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (v= optional: version 0x10). Undefined when malformed. */
export function parseArgon2(s: string): Argon2Params | undefined {
  const m = /^\$(argon2id|argon2i|argon2d)(?:\$v=(\d+))?\$([^$]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(
    s,
  );
  if (!m) return undefined;
  const params = new Map<string, string>();
  for (const kv of m[3].split(',')) {
    const [k, v] = kv.split('=');
    if (!k || v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
    params.set(k, v);
  }
  const [mm, t, p] = ['m', 't', 'p'].map((k) => Number(params.get(k)));
  if (![mm, t, p].every((x) => Number.isSafeInteger(x) && x > 0)) return undefined;
  const salt = Buffer.from(m[4], 'base64');
  const hash = Buffer.from(m[5], 'base64');
  if (salt.length < 8 || hash.length < 4 || mm > MAX_MEMORY_KIB || mm < 8 * p || t > 64 || p > 64)
    return undefined;
  const version = m[2] === undefined ? 0x10 : Number(m[2]);
  if (version !== 0x10 && version !== 0x13) return undefined;
  return { variant: m[1] as Variant, version, m: mm, t, p, salt, hash };
}

/** A counting limiter: `slots` jobs and `budget` KiB of argon2 memory at most. */
class Limiter {
  private running = 0;
  private memory = 0;
  private queue: { kib: number; go: () => void }[] = [];
  peak = 0;
  peakMemory = 0;

  constructor(
    private readonly slots: number,
    private readonly budget: number,
  ) {}

  async run<T>(kib: number, job: () => Promise<T>): Promise<T> {
    // A job larger than the whole budget still runs, alone.
    const need = Math.min(kib, this.budget);
    if (!this.fits(need) || this.queue.length)
      await new Promise<void>((go) => this.queue.push({ kib: need, go }));
    else this.take(need);
    try {
      return await job();
    } finally {
      this.running--;
      this.memory -= need;
      this.drain();
    }
  }

  private fits(kib: number): boolean {
    return this.running < this.slots && this.memory + kib <= this.budget;
  }

  private take(kib: number): void {
    this.running++;
    this.memory += kib;
    this.peak = Math.max(this.peak, this.running);
    this.peakMemory = Math.max(this.peakMemory, this.memory);
  }

  /** First in, first out: a big job at the head is not overtaken forever by small ones. */
  private drain(): void {
    while (this.queue.length && this.fits(this.queue[0].kib)) {
      const next = this.queue.shift()!;
      this.take(next.kib);
      next.go();
    }
  }

  stats() {
    return {
      slots: this.slots,
      running: this.running,
      waiting: this.queue.length,
      peak: this.peak,
      peakMemoryKiB: this.peakMemory,
    };
  }
}

const limiter = new Limiter(Math.max(1, Math.min(4, availableParallelism())), MEMORY_BUDGET_KIB);

/** The limiter's state: running/waiting now, and the most that ever ran at once (tests, metrics). */
export function argon2Stats() {
  return limiter.stats();
}

async function compute(password: Buffer, a: Omit<Argon2Params, 'hash'>, length: number): Promise<Buffer> {
  return limiter.run(a.m, async () => {
    const n = loadNative();
    if (n) {
      return n.hash(password, {
        raw: true,
        type: TYPE[a.variant],
        version: a.version,
        memoryCost: a.m,
        timeCost: a.t,
        parallelism: a.p,
        hashLength: length,
        salt: a.salt,
      });
    }
    const wasm = await import('hash-wasm');
    const fn =
      a.variant === 'argon2id' ? wasm.argon2id : a.variant === 'argon2i' ? wasm.argon2i : wasm.argon2d;
    if (a.version !== 0x13) throw new Error('argon2 version 0x10 needs the native module');
    const hex = await fn({
      password,
      salt: a.salt,
      memorySize: a.m,
      iterations: a.t,
      parallelism: a.p,
      hashLength: length,
      outputType: 'hex',
    });
    return Buffer.from(hex, 'hex');
  });
}

/** A new encoded argon2 hash with a random 16-byte salt. */
export async function argon2HashEncoded(
  password: string,
  o: { variant: Variant; m: number; t: number; p: number; length: number },
): Promise<string> {
  const a = { variant: o.variant, version: 0x13, m: o.m, t: o.t, p: o.p, salt: randomBytes(16) };
  const hash = await compute(Buffer.from(password, 'utf8'), a, o.length);
  return encodeArgon2({ ...a, hash });
}

/** Checks a password against an encoded argon2 hash; false for a malformed one. */
export async function argon2VerifyEncoded(password: string, encoded: string): Promise<boolean> {
  const a = parseArgon2(encoded);
  if (!a) return false;
  const got = await compute(Buffer.from(password, 'utf8'), a, a.hash.length);
  return got.length === a.hash.length && timingSafeEqual(got, a.hash);
}
