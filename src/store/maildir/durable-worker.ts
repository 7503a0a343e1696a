/**
 * The worker side of durable-writer.ts: runs each job's file system calls on its own
 * event loop. See durable-writer.ts for why this thread exists.
 *
 * A job: create `tmp` exclusively, write `data`, set the mtime, fsync, close, rename to
 * `dest`, then fsync dest's directory (group commit, write.ts: one directory fsync covers
 * every rename made before it started). On any failure before the rename the tmp file is
 * removed; the error's code and message go back.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { dirname } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { fsyncDir, writeAll } from './write.js';

export interface WireJob {
  id: number;
  tmp: string;
  dest: string;
  data: Uint8Array;
  /** Milliseconds since the epoch, for the mtime (IMAP INTERNALDATE). */
  mtime?: number;
  fsync: boolean;
  /** Return the sha256 of `data` (hex). */
  hash?: boolean;
}

export interface WireDone {
  id: number;
  /**
   * The job's data, moved back: the main thread's heap is collected often, this thread's
   * rarely, so bodies left here would wait long for it; back there they are pooled again.
   */
  data: Uint8Array;
  /** `placed`: the file is at dest already (only the directory fsync failed). */
  error?: { code?: string; message: string; placed: boolean };
  sha256?: string;
}

const fsyncAsync = (fd: number) => new Promise<void>((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));

/**
 * The create, write, mtime, close and rename are synchronous: they are page-cache and
 * directory work, and this thread exists to absorb them, while a thread-pool round trip
 * each costs a cross-thread wake-up (the same calls made synchronously on the main thread,
 * fsync off, migrate bench corpus: 4.3–4.5 s and 1.4 s system CPU against 4.7–5.6 s and
 * 1.9–2.1 s). For SMTP, synchronous and asynchronous calls here measured the same within
 * noise. Only the fsyncs, which wait for the disk, go to the pool, so many of them overlap.
 */
async function writeFile(j: WireJob): Promise<string | undefined> {
  const fd = fs.openSync(j.tmp, 'wx', 0o600);
  const data = Buffer.from(j.data.buffer, j.data.byteOffset, j.data.byteLength);
  const unlinkTmp = () => {
    try {
      fs.unlinkSync(j.tmp);
    } catch {}
  };
  try {
    await writeAll(fd, [data], true);
    if (j.mtime !== undefined) {
      const t = new Date(j.mtime);
      fs.futimesSync(fd, t, t);
    }
    if (j.fsync) await fsyncAsync(fd);
  } catch (e) {
    try {
      fs.closeSync(fd);
    } catch {}
    unlinkTmp();
    throw e;
  }
  try {
    fs.closeSync(fd);
    fs.renameSync(j.tmp, j.dest);
  } catch (e) {
    unlinkTmp();
    throw e;
  }
  // while the directory fsync waits for the disk
  const sha256 = j.hash ? createHash('sha256').update(data).digest('hex') : undefined;
  if (j.fsync) {
    try {
      await fsyncDir(dirname(j.dest));
    } catch (e) {
      throw Object.assign(e as Error, { placed: true });
    }
  }
  return sha256;
}

// Replies finished in the same turn go back in one message (one wake-up of the main thread).
let outbox: WireDone[] = [];
function reply(d: WireDone): void {
  if (outbox.length === 0) {
    setImmediate(() => {
      const batch = outbox;
      outbox = [];
      parentPort?.postMessage(
        batch,
        batch.map((d) => d.data.buffer as ArrayBuffer),
      );
    });
  }
  outbox.push(d);
}

parentPort?.on('message', (jobs: WireJob[]) => {
  for (const j of jobs) {
    writeFile(j).then(
      (sha256) => reply({ id: j.id, data: j.data, sha256 }),
      (e: NodeJS.ErrnoException & { placed?: boolean }) =>
        reply({
          id: j.id,
          data: j.data,
          error: { code: e.code, message: e.message, placed: e.placed === true },
        }),
    );
  }
});
