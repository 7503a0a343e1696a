/**
 * Quota usage in the Maildir++ "maildirsize" file (the format Dovecot's quota plugin and
 * Courier use): first line "<limit>S", then "<bytes> <count>" lines appended with O_APPEND
 * (atomic for small writes, so no lock). When the file is missing or has grown past 5120
 * bytes it is recalculated from the file names (S= fields) and replaced by rename.
 */
import { constants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import { parseName } from './filename.js';

export interface Usage {
  bytes: number;
  messages: number;
}

const RECALC_ABOVE = 5120;
const FRESH_MS = 1000;

export class QuotaFile {
  readonly path: string;
  private cache?: { size: number; usage: Usage };

  constructor(private root: string) {
    this.path = join(root, 'maildirsize');
  }

  /** Forget what we know (the file was removed to force a recalculation). */
  invalidate(): void {
    this.cache = undefined;
    this.checkedAt = 0;
    this.missingAt = 0;
  }

  /** When the cache was last checked against the file; within FRESH_MS it is trusted as is. */
  private checkedAt = 0;

  async usage(limit: number): Promise<Usage> {
    // Deliveries check twice each; other processes' changes may show up to FRESH_MS late.
    if (this.cache && Date.now() - this.checkedAt < FRESH_MS) return this.cache.usage;
    this.checkedAt = Date.now();
    let size: number;
    try {
      size = (await fsp.stat(this.path)).size;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      return this.recalc(limit);
    }
    if (size > RECALC_ABOVE) return this.recalc(limit);
    if (this.cache && this.cache.size === size) return this.cache.usage;
    const text = await fsp.readFile(this.path, 'utf8').catch(() => '');
    const usage: Usage = { bytes: 0, messages: 0 };
    for (const line of text.split('\n').slice(1)) {
      const m = /^\s*(-?\d+)\s+(-?\d+)\s*$/.exec(line);
      if (!m) continue;
      usage.bytes += Number(m[1]);
      usage.messages += Number(m[2]);
    }
    this.cache = { size: Buffer.byteLength(text), usage };
    return usage;
  }

  private writing?: Promise<void>;
  private next?: { bytes: number; messages: number; done: Promise<void> };

  /**
   * Adds (or with negative numbers removes) usage. Calls made while an append is being
   * written are summed into the next single line (one write per burst, not per message).
   */
  add(bytes: number, messages: number): Promise<void> {
    if (bytes === 0 && messages === 0) return Promise.resolve();
    if (!this.writing) {
      this.writing = this.append(bytes, messages).finally(() => {
        this.writing = undefined;
      });
      return this.writing;
    }
    if (!this.next) {
      const n = { bytes: 0, messages: 0, done: Promise.resolve() };
      n.done = this.writing
        .catch(() => undefined)
        .then(() => {
          this.next = undefined;
          return this.add(n.bytes, n.messages);
        });
      this.next = n;
    }
    this.next.bytes += bytes;
    this.next.messages += messages;
    return this.next.done;
  }

  /** When the file was last found missing: appends are skipped for a while (usage() recreates it). */
  private missingAt = 0;

  private async append(bytes: number, messages: number): Promise<void> {
    if (Date.now() - this.missingAt < 10_000) return;
    const line = `${bytes} ${messages}\n`;
    try {
      // O_APPEND without O_CREAT: a missing file is recalculated from the names later, and
      // creating it here would make our line look like the header.
      const fh = await fsp.open(this.path, constants.O_WRONLY | constants.O_APPEND);
      try {
        await fh.write(line);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
      this.cache = undefined;
      this.missingAt = Date.now();
      return;
    }
    if (this.cache) {
      this.cache = {
        size: this.cache.size + line.length,
        usage: { bytes: this.cache.usage.bytes + bytes, messages: this.cache.usage.messages + messages },
      };
    }
  }

  private async recalc(limit: number): Promise<Usage> {
    const usage: Usage = { bytes: 0, messages: 0 };
    const dirs = [this.root];
    for (const d of await fsp.readdir(this.root).catch(() => [] as string[])) {
      if (d.startsWith('.') && d !== '.' && d !== '..') dirs.push(join(this.root, d));
    }
    for (const dir of dirs) {
      for (const sub of ['new', 'cur']) {
        const names = await fsp.readdir(join(dir, sub)).catch(() => [] as string[]);
        for (const n of names) {
          if (n[0] === '.') continue;
          let s = parseName(n).size;
          if (s === undefined) s = (await fsp.stat(join(dir, sub, n)).catch(() => ({ size: 0 }))).size;
          usage.bytes += s;
          usage.messages++;
        }
      }
    }
    this.missingAt = 0;
    const text = `${limit}S\n${usage.bytes} ${usage.messages}\n`;
    const tmp = `${this.path}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, text).catch(() => undefined);
    await fsp.rename(tmp, this.path).catch(() => undefined);
    this.cache = { size: Buffer.byteLength(text), usage };
    return usage;
  }
}
