/**
 * The size of libuv's thread pool that `bin/mailctl.js` sets when the operator has not set
 * UV_THREADPOOL_SIZE (it must be set there, before the pool starts; keep the two equal —
 * test/unit/thread-pool.test.ts checks).
 *
 * Every stored message waits for an fsync in this pool (SMTP delivery, APPEND, migration),
 * so its size caps the fsyncs in flight. Measured on the 2-core development VM (ext4,
 * virtio disk; 3,000 creates of 48 KB, each fsynced, from N threads): 4 threads 3,500–5,500
 * files/s, 16 threads 5,300–8,500, 32 threads 6,200. Idle pool threads cost no CPU and
 * little memory; CPU-heavy pool work (argon2) has its own limiter (src/auth/argon2.ts).
 */
export const THREAD_POOL_SIZE = 16;

/** libuv's own default, what a process started without bin/mailctl.js has. */
const LIBUV_DEFAULT = 4;

/** The pool this process has: UV_THREADPOOL_SIZE as the launcher or the operator set it. */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : LIBUV_DEFAULT;
}
