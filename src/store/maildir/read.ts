/**
 * Reading message files. Another process (Dovecot moving new/ → cur/, a flag change) may
 * rename a file after our last sync: the async paths re-sync once and retry; the sync path
 * looks the base name up in the directory. Files without CRLF line ends (dropped in by
 * other MDAs) are normalised on the way out, so bytes match RFC822.SIZE.
 */
import { closeSync, type promises as fsp, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { MailctlError } from '../../errors.js';
import type { Entry } from './entry.js';
import { CrlfNormalizer } from './write.js';

export interface OpenMessage {
  fh: fsp.FileHandle;
  entry: Entry;
}

/** Opens the current file of a message; on ENOENT calls `resync` once and tries again. */
export async function openMessage(
  lookup: () => Entry,
  resync: () => Promise<void>,
  where: string,
): Promise<OpenMessage> {
  for (let attempt = 0; ; attempt++) {
    const entry = lookup();
    try {
      return { fh: await open(entry.path, 'r'), entry };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) {
        throw new MailctlError('not-found', `message UID ${entry.uid} is gone: ${(err as Error).message}`, {
          where,
        });
      }
      await resync();
    }
  }
}

/** The message bytes (CRLF), optionally the byte range [start, end). */
export async function* messageChunks(
  opener: () => Promise<OpenMessage>,
  range?: { start: number; end?: number },
): AsyncGenerator<Buffer> {
  const { fh, entry } = await opener();
  try {
    const start = range?.start ?? 0;
    if (entry.crlf) {
      if (range?.end !== undefined && range.end <= start) return;
      const end = range?.end === undefined ? undefined : range.end - 1;
      yield* fh.createReadStream({ start, end, autoClose: false }) as AsyncIterable<Buffer>;
      return;
    }
    const norm = new CrlfNormalizer();
    let pos = 0;
    for await (const raw of fh.createReadStream({ autoClose: false }) as AsyncIterable<Buffer>) {
      const c = norm.push(raw);
      const cStart = pos;
      pos += c.length;
      if (pos <= start) continue;
      if (range?.end !== undefined && cStart >= range.end) break;
      yield c.subarray(
        Math.max(0, start - cStart),
        range?.end === undefined ? undefined : range.end - cStart,
      );
    }
  } finally {
    await fh.close();
  }
}

export async function readWhole(opener: () => Promise<OpenMessage>): Promise<Buffer> {
  const { fh, entry } = await opener();
  try {
    const buf = await fh.readFile();
    return entry.crlf ? buf : new CrlfNormalizer().push(buf);
  } finally {
    await fh.close();
  }
}

/**
 * readWhole without the thread pool (IMAP bulk reads); undefined when the message is gone.
 * With `scratch`, a CRLF file whose size the name tells (S=) and that fits is read into
 * it (no fstat, no allocation per message; the result is valid until the next call).
 */
export function readWholeSync(dir: string, e: Entry, scratch?: Buffer): Buffer | undefined {
  if (scratch && e.crlf && e.size < scratch.length) {
    const n = readIntoSync(e.path, scratch);
    // A file that is not the size its name says is read the ordinary way below.
    if (n === e.size) return scratch.subarray(0, n);
  }
  let buf: Buffer | undefined;
  try {
    buf = readFileSync(e.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    buf = findMovedSync(dir, e);
  }
  if (buf === undefined) return undefined;
  return e.crlf ? buf : new CrlfNormalizer().push(buf);
}

/** Bytes read into `buf` from the start of the file (one read: the file is smaller than buf); -1 if it cannot be opened. */
function readIntoSync(path: string, buf: Buffer): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    return readSync(fd, buf, 0, buf.length, 0);
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

function findMovedSync(dir: string, e: Entry): Buffer | undefined {
  for (const sub of ['cur', 'new']) {
    let names: string[];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    const name = names.find((n) => n === e.id || n.startsWith(`${e.id}:`));
    if (!name) continue;
    try {
      return readFileSync(join(dir, sub, name));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
