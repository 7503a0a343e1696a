/**
 * libuv's thread pool: every stored message waits for an fsync in it, so its size caps the
 * fsyncs in flight. `bin/mailctl.js` sets UV_THREADPOOL_SIZE (before the pool starts; keep
 * the number there equal to MIGRATE_THREAD_POOL_SIZE — test/unit/thread-pool.test.ts
 * checks) for `migrate` only, and never over the operator's own setting.
 *
 * Measured on the 2-core development VM (ext4 without a journal, virtio disk):
 * - raw: 3,000 creates of 48 KB, each fsynced, from N threads: 4 threads 3,500–5,500
 *   files/s, 16 threads 5,300–8,500;
 * - migrate, 531 MB bench corpus into the store, alternating runs: 16 threads 5.2–6.1 s,
 *   4 threads 5.9–6.1 s;
 * - serve under smtp-source (c=100, 10,000 messages): 16 threads cost 1.89 ms of CPU per
 *   message against 1.56 ms with 4 (each queued job wakes a sleeping pool thread; with
 *   few threads they are mostly awake), so `serve` keeps libuv's default.
 */
export const MIGRATE_THREAD_POOL_SIZE = 16;

/** libuv's own default: what `serve` and every command but `migrate` run with. */
export const LIBUV_DEFAULT_POOL_SIZE = 4;

/** The pool this process has: UV_THREADPOOL_SIZE as the launcher or the operator set it. */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : LIBUV_DEFAULT_POOL_SIZE;
}
