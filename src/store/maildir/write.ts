/**
 * Streaming a message body into tmp/: CRLF line ends (bare LF becomes CRLF, so RFC822.SIZE
 * is the file size), the size limit enforced while streaming, fsync before returning.
 * On any failure the tmp file is removed: nothing is left behind.
 */
import fs, { promises as fsp } from 'node:fs';
import type { Readable } from 'node:stream';
import { MailctlError } from '../../errors.js';

export interface Written {
  size: number;
}

const CR = 13;
const LF = 10;

/** Converts bare LF to CRLF across chunk boundaries. */
export class CrlfNormalizer {
  private lastCr = false;

  push(chunk: Buffer): Buffer {
    let i = chunk.indexOf(LF);
    if (i < 0) {
      if (chunk.length > 0) this.lastCr = chunk[chunk.length - 1] === CR;
      return chunk;
    }
    const parts: Buffer[] = [];
    let start = 0;
    while (i >= 0) {
      const prevCr = i === 0 ? this.lastCr : chunk[i - 1] === CR;
      if (!prevCr) {
        parts.push(chunk.subarray(start, i), CRLF_CR);
        start = i;
      }
      i = chunk.indexOf(LF, i + 1);
    }
    if (chunk.length > 0) this.lastCr = chunk[chunk.length - 1] === CR;
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(start));
    return Buffer.concat(parts);
  }
}
const CRLF_CR = Buffer.from([CR]);

export function tooLargeError(maxSize: number, where: string): MailctlError {
  return new MailctlError('too-large', `message larger than the limit of ${maxSize} bytes`, { where });
}

/**
 * Bodies up to this size are written with one synchronous writev (page cache only). Tried:
 * handing the final write of bodies over 32 KB to the thread pool — a migration then took
 * more CPU in all (5.3–6.2 s user instead of 4.6–4.8) and longer on 2 cores.
 */
const SYNC_WRITE_LIMIT = 256 * 1024;

const openFd = (path: string, flags: string, mode: number) =>
  new Promise<number>((res, rej) => fs.open(path, flags, mode, (e, fd) => (e ? rej(e) : res(fd))));

const fsyncFd = (fd: number) => new Promise<void>((res, rej) => fs.fsync(fd, (e) => (e ? rej(e) : res())));
const writevFd = (fd: number, bufs: Buffer[]) =>
  new Promise<number>((res, rej) => fs.writev(fd, bufs, (e, n) => (e ? rej(e) : res(n))));

/** Writes all of `bufs`, continuing after short writes. */
export async function writeAll(fd: number, bufs: Buffer[], sync: boolean): Promise<void> {
  let rest = bufs;
  while (rest.length > 0) {
    let n = sync ? fs.writevSync(fd, rest) : await writevFd(fd, rest);
    const left: Buffer[] = [];
    for (const b of rest) {
      if (n >= b.length) n -= b.length;
      else {
        left.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    rest = left;
  }
}

/**
 * Per message: the create and the fsync run in the thread pool; the write of a small body
 * into the page cache and the close are synchronous — each thread-pool round trip costs
 * more than they do. The create stays asynchronous: a create can wait in the kernel for a
 * directory being fsynced (ext4 without a journal syncs directory blocks under the
 * directory's lock; not measured here), and the main thread must not wait with it.
 */
export async function writeBody(
  path: string,
  body: Readable,
  opts: {
    prepend?: string;
    maxSize?: number;
    fsync: boolean;
    where: string;
    onMissingDir?: () => Error;
    /** Set as the file's mtime before the fsync (IMAP INTERNALDATE). */
    mtime?: Date;
  },
): Promise<Written> {
  let fd: number;
  try {
    fd = await openFd(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && opts.onMissingDir) throw opts.onMissingDir();
    throw e;
  }
  const norm = new CrlfNormalizer();
  let size = 0;
  let tooLarge = false;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const flush = async (sync: boolean) => {
    if (pendingLen === 0) return;
    const bufs = pending;
    pending = [];
    pendingLen = 0;
    await writeAll(fd, bufs, sync);
  };
  const add = async (b: Buffer) => {
    size += b.length;
    if (opts.maxSize !== undefined && size > opts.maxSize) {
      tooLarge = true;
      pending = [];
      pendingLen = 0;
      return;
    }
    pending.push(b);
    pendingLen += b.length;
    if (pendingLen >= SYNC_WRITE_LIMIT) await flush(false);
  };
  try {
    if (opts.prepend) await add(norm.push(Buffer.from(opts.prepend)));
    for await (const chunk of body) {
      if (tooLarge) continue; // keep draining so the sender is not stuck; nothing is written
      await add(norm.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)));
    }
    if (tooLarge) throw tooLargeError(opts.maxSize ?? 0, opts.where);
    await flush(true);
    if (opts.mtime) fs.futimesSync(fd, opts.mtime, opts.mtime);
    if (opts.fsync) await fsyncFd(fd);
    fs.closeSync(fd);
    fd = -1;
    return { size };
  } catch (e) {
    if (fd >= 0) {
      try {
        fs.closeSync(fd);
      } catch {}
    }
    await fsp.unlink(path).catch(() => undefined);
    throw e;
  }
}

interface DirSync {
  running?: Promise<void>;
  next?: Promise<void>;
}
const dirSyncs = new Map<string, DirSync>();

/**
 * fsync a directory so renames into it survive a crash, with group commit: callers that
 * arrive while an fsync runs share the one that starts right after it (which covers every
 * rename made before it began). One fsync per burst instead of one per message.
 */
export function fsyncDir(dir: string): Promise<void> {
  let s = dirSyncs.get(dir);
  if (!s) {
    s = {};
    dirSyncs.set(dir, s);
  }
  const st = s;
  if (!st.running) {
    st.running = fsyncDirNow(dir).finally(() => {
      st.running = undefined;
      if (!st.next) dirSyncs.delete(dir);
    });
    return st.running;
  }
  if (!st.next) {
    st.next = st.running
      .catch(() => undefined)
      .then(() => {
        st.next = undefined;
        return fsyncDir(dir);
      });
  }
  return st.next;
}

async function fsyncDirNow(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
