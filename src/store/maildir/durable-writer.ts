/**
 * Writes a message file durably off the main thread: create in tmp/, write, fsync,
 * rename into new/ or cur/, fsync that directory — one job for a worker thread.
 *
 * Why a thread of our own: done from the main thread, that sequence is five thread-pool
 * round trips plus synchronous writes and closes per message, and on a 2-core machine
 * under load each wake-up of a pool thread preempts the main thread — profiles of
 * `serve` under smtp-source put a third of the main thread's time into these calls. Here
 * the main thread posts one message per event-loop turn (every job queued in that turn)
 * and gets one back per turn of the worker; the file system calls happen on the worker
 * (synchronously, but for the fsyncs). The durability order is unchanged: file fsynced before the
 * rename, the rename covered by a directory fsync before the promise resolves.
 *
 * Used for bodies already in memory (SMTP messages under the spool's memory limit,
 * migration, APPEND); streamed bodies keep the in-thread path in write.ts.
 */
import { Worker } from 'node:worker_threads';
import { bodyPool } from '../../buffer-pool.js';
import { restoreHeapFlags } from '../../heap.js';
import type { WireDone, WireJob } from './durable-worker.js';

export interface DurableJob {
  tmp: string;
  dest: string;
  data: readonly Buffer[];
  mtime?: Date;
  fsync: boolean;
  /** Also compute the sha256 of the file's bytes, on the writer thread. */
  hash?: boolean;
}

/** An error from the worker, shaped like the fs error it was. */
export class DurableWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** The file reached dest; only the directory fsync failed. */
    readonly placed: boolean,
  ) {
    super(message);
  }
}

interface Waiting {
  resolve: (sha256: string | undefined) => void;
  reject: (e: Error) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, Waiting>();
let outbox: WireJob[] = [];
/** Copy buffers, moved to the writer thread and back (see src/buffer-pool.ts). */
const copies = bodyPool;

/** The writer's own heap holds little: job descriptions, never bodies for long. */
const resourceLimits = { maxYoungGenerationSizeMb: 4 };

function start(): Worker {
  // Under tsx (tests, benchmarks run from source) this module is .ts and so is the worker;
  // tsx's loader does not reach worker threads by itself on Node 20, so the worker
  // registers it before importing its module.
  const w = import.meta.url.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(new URL('./durable-worker.ts', import.meta.url).href)}))`,
        { eval: true, resourceLimits },
      )
    : new Worker(new URL('./durable-worker.js', import.meta.url), { resourceLimits });
  w.once('online', restoreHeapFlags);
  w.on('message', (done: WireDone[]) => {
    for (const d of done) {
      const p = waiting.get(d.id);
      if (!p) continue;
      waiting.delete(d.id);
      if (d.error) p.reject(new DurableWriteError(d.error.message, d.error.code, d.error.placed));
      else p.resolve(d.sha256);
      copies.give(d.data.buffer as ArrayBuffer);
    }
    if (waiting.size === 0) w.unref();
  });
  const lost = (e: Error) => {
    if (worker === w) worker = undefined;
    for (const p of waiting.values()) p.reject(e);
    waiting.clear();
  };
  w.on('error', lost);
  w.on('exit', (code) => lost(new Error(`the file writer thread stopped (exit code ${code})`)));
  w.unref();
  return w;
}

/** Resolves, once the file is durable at dest, with its sha256 when `job.hash` asked for it. */
export function writeDurably(job: DurableJob): Promise<string | undefined> {
  const id = nextId++;
  const p = new Promise<string | undefined>((resolve, reject) => waiting.set(id, { resolve, reject }));
  // One copy into a buffer of our own that is then moved, not cloned (cloning a Buffer
  // copies its whole backing store, which for a sliced Buffer is far larger than the
  // message), and moved back when written, to be used again.
  let size = 0;
  for (const b of job.data) size += b.length;
  const data = Buffer.from(copies.take(size), 0, size);
  let at = 0;
  for (const b of job.data) at += b.copy(data, at);
  if (outbox.length === 0) setImmediate(flush);
  outbox.push({
    id,
    tmp: job.tmp,
    dest: job.dest,
    data,
    mtime: job.mtime?.getTime(),
    fsync: job.fsync,
    hash: job.hash,
  });
  return p;
}

/** Posts every job queued during this turn of the event loop in one message. */
function flush(): void {
  const jobs = outbox;
  outbox = [];
  worker ??= start();
  // Pending writes keep the process alive; an idle writer does not.
  worker.ref();
  worker.postMessage(
    jobs,
    jobs.map((j) => j.data.buffer as ArrayBuffer),
  );
}
