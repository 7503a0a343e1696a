/**
 * Message bytes of the outbound spool live in a small set of reusable segment files
 * (data_dir/queue/seg-000001.dat …), never in one file per message.
 *
 * Why: the disk here is ext4 without a journal; creating and deleting a file per queued
 * message makes later file creates ~2.4× slower for minutes. Segments are created rarely
 * (only when every existing one is busy or full) and never deleted: a segment whose
 * messages are all gone (no row in SQLite points into it) is rewritten from offset 0.
 *
 * Crash safety: a writer appends at the segment's end (or at 0 in a recycled segment),
 * fdatasyncs, and only then the caller commits the metadata row in SQLite. Bytes without
 * a committed row are dead space — a crash at any moment loses nothing that was
 * acknowledged and leaves nothing half-visible. Recycling is decided from committed SQLite
 * state plus the in-memory set of in-flight readers, so live bytes are never overwritten.
 */
import { closeSync, createReadStream, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { MailctlError } from '../../errors.js';

/** A segment stops taking new messages once it is this large (one message may overshoot). */
export const SEGMENT_CAP = 16 * 1024 * 1024;

interface Segment {
  id: number;
  path: string;
  /** Where the next message goes; 0 after recycling. */
  end: number;
  writing: boolean;
  readers: number;
  fh?: FileHandle;
}

export interface Written {
  seg: number;
  off: number;
  len: number;
}

export interface SegmentMeta {
  liveCount(seg: number): number;
  /** End offset of the last live message, undefined when none. */
  liveEnd(seg: number): number | undefined;
}

export class Segments {
  private readonly segs = new Map<number, Segment>();
  private closed = false;

  /** `meta` answers from committed metadata: messages pointing into a segment, and where the last one ends. */
  constructor(
    readonly dir: string,
    private readonly meta: SegmentMeta,
    private readonly cap = SEGMENT_CAP,
  ) {
    for (const name of readdirSync(dir)) {
      const m = /^seg-(\d{6,})\.dat$/.exec(name);
      if (!m) continue;
      const id = Number(m[1]);
      const path = join(dir, name);
      // Bytes past the last live message are dead (torn write, old recycled data): reuse them.
      const end = this.meta.liveEnd(id) ?? 0;
      this.segs.set(id, { id, path, end, writing: false, readers: 0 });
    }
  }

  get count(): number {
    return this.segs.size;
  }

  /** Segments that take no more appends (candidates for compaction), with their size. */
  fullSegments(): { id: number; end: number }[] {
    return [...this.segs.values()]
      .filter((s) => s.end >= this.cap && !s.writing && s.readers === 0)
      .map((s) => ({ id: s.id, end: s.end }));
  }

  /** Streams `chunks` into a segment and fdatasyncs it; the caller then commits the row. */
  async append(chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): Promise<Written> {
    const seg = await this.acquire();
    const off = seg.end;
    let pos = off;
    try {
      const fh = seg.fh!;
      for await (const c of chunks) {
        const buf = typeof c === 'string' ? Buffer.from(c) : c;
        let done = 0;
        while (done < buf.length) {
          const { bytesWritten } = await fh.write(buf, done, buf.length - done, pos);
          done += bytesWritten;
          pos += bytesWritten;
        }
      }
      await fh.datasync();
    } catch (e) {
      seg.writing = false; // end unchanged: the partial bytes are overwritten by the next writer
      throw e;
    }
    return { seg: seg.id, off, len: pos - off };
  }

  /** After the metadata commit (or its failure): the segment takes the next writer. */
  release(w: Written, committed: boolean): void {
    const seg = this.segs.get(w.seg);
    if (!seg) return;
    if (committed) seg.end = w.off + w.len;
    seg.writing = false;
  }

  /** The stored bytes of one message; the segment is not recycled while the stream is open. */
  read(w: Written): Readable {
    const seg = this.segs.get(w.seg) ?? this.adopt(w.seg);
    seg.readers++;
    const s =
      w.len === 0
        ? createReadStream(seg.path, { start: 0, end: -1 })
        : createReadStream(seg.path, { start: w.off, end: w.off + w.len - 1 });
    s.once('close', () => {
      seg.readers--;
      if (seg.readers === 0) this.recycle(seg.id);
    });
    return s;
  }

  /** Makes segments with no live message reusable from offset 0 (all, or the one given). */
  recycle(only?: number): number {
    if (this.closed) return 0; // a reader's close event may arrive after the spool closed
    let n = 0;
    for (const seg of only === undefined ? this.segs.values() : [this.segs.get(only)]) {
      if (!seg || seg.writing || seg.readers > 0 || seg.end === 0) continue;
      if (this.meta.liveCount(seg.id) === 0) {
        seg.end = 0;
        n++;
      }
    }
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const seg of this.segs.values()) {
      await seg.fh?.close().catch(() => undefined);
      seg.fh = undefined;
    }
  }

  private async acquire(): Promise<Segment> {
    // Fill the fullest open segment first, like a log: segments then empty out in the order
    // they filled, and a quiet queue keeps its bytes in few files.
    let best: Segment | undefined;
    for (const seg of this.segs.values()) {
      if (seg.writing || seg.end >= this.cap) continue;
      if (!best || seg.end > best.end) best = seg;
    }
    if (!best && this.recycle() > 0) return this.acquire();
    const seg = best ?? this.create();
    seg.writing = true;
    try {
      seg.fh ??= await open(seg.path, 'r+');
    } catch (e) {
      seg.writing = false;
      throw new MailctlError('storage', `cannot open queue segment: ${(e as Error).message}`, {
        where: seg.path,
        hint: 'check permissions and free space of data_dir/queue',
        cause: e,
      });
    }
    return seg;
  }

  private create(): Segment {
    const id = Math.max(0, ...this.segs.keys()) + 1;
    const path = join(this.dir, `seg-${String(id).padStart(6, '0')}.dat`);
    closeSync(openSync(path, 'a'));
    const d = openSync(this.dir, 'r');
    try {
      fsyncSync(d); // the new name must survive a crash before any row points at it
    } finally {
      closeSync(d);
    }
    const seg: Segment = { id, path, end: 0, writing: false, readers: 0 };
    this.segs.set(id, seg);
    return seg;
  }

  /** A segment created by another process after we scanned (read-only users such as the CLI). */
  private adopt(id: number): Segment {
    const path = join(this.dir, `seg-${String(id).padStart(6, '0')}.dat`);
    const seg: Segment = { id, path, end: statSync(path).size, writing: false, readers: 0 };
    this.segs.set(id, seg);
    return seg;
  }
}
