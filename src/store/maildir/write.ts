/**
 * Streaming a message body into tmp/: CRLF line ends (bare LF becomes CRLF, so RFC822.SIZE
 * is the file size), the size limit enforced while streaming, fsync before returning.
 * On any failure the tmp file is removed: nothing is left behind.
 */
import { promises as fsp } from 'node:fs';
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

export async function writeBody(
  path: string,
  body: Readable,
  opts: { prepend?: string; maxSize?: number; fsync: boolean; where: string; onMissingDir?: () => Error },
): Promise<Written> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && opts.onMissingDir) throw opts.onMissingDir();
    throw e;
  }
  const norm = new CrlfNormalizer();
  let size = 0;
  let tooLarge = false;
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const flush = async () => {
    if (pendingLen === 0) return;
    const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
    pending = [];
    pendingLen = 0;
    await fh.write(buf);
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
    if (pendingLen >= 256 * 1024) await flush();
  };
  try {
    if (opts.prepend) await add(norm.push(Buffer.from(opts.prepend)));
    for await (const chunk of body) {
      if (tooLarge) continue; // keep draining so the sender is not stuck; nothing is written
      await add(norm.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)));
    }
    if (tooLarge) {
      throw new MailctlError('too-large', `message larger than the limit of ${opts.maxSize} bytes`, {
        where: opts.where,
      });
    }
    await flush();
    if (opts.fsync) await fh.sync();
    await fh.close();
    return { size };
  } catch (e) {
    await fh.close().catch(() => undefined);
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
