/**
 * CONDSTORE mod-sequences. Maildir has no place for them, so they live in a cache file,
 * mailctl-modseq ("H<highest>" then "<uid> <modseq> <flag letters>" lines). The file names
 * stay the truth: a message whose letters differ from the cached ones (changed by Dovecot
 * or another process) gets a new modseq at the next sync; a missing cache is rebuilt with
 * fresh numbers. Written at most every 500 ms (it is a cache, not a journal).
 *
 * Mod-sequences must never go down (RFC 7162), yet a crash can lose the last 500 ms of
 * the cache, or all of it. So on load the counter starts at least at the current time in
 * microsecond units (ms × 1000): whatever was handed out since the previous load (fewer
 * than 1000 changes per millisecond on average) stays below every new value. That stays
 * below 2^53 until the year 2255 and well inside RFC 7162's 63 bits.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Known {
  modseq: number;
  letters: string;
}

export class ModseqCache {
  readonly path: string;
  highest = 0;
  private map = new Map<number, Known>();
  private loadedOnce = false;
  private timer?: NodeJS.Timeout;

  constructor(dir: string) {
    this.path = join(dir, 'mailctl-modseq');
  }

  async load(): Promise<void> {
    if (this.loadedOnce) return;
    this.loadedOnce = true;
    this.readCache();
    this.highest = Math.max(this.highest, Date.now() * 1000);
  }

  private readCache(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return;
    }
    const lines = text.split('\n');
    const h = /^H(\d+)$/.exec(lines[0] ?? '');
    if (!h) return;
    this.highest = Number(h[1]);
    for (const line of lines.slice(1)) {
      const [u, m, l = ''] = line.split(' ');
      const uid = Number(u);
      const modseq = Number(m);
      if (uid > 0 && modseq > 0 && modseq <= this.highest) this.map.set(uid, { modseq, letters: l });
    }
  }

  known(uid: number, letters: string): number | undefined {
    const k = this.map.get(uid);
    return k && k.letters === letters ? k.modseq : undefined;
  }

  bump(uid: number, letters: string): number {
    const modseq = ++this.highest;
    this.map.set(uid, { modseq, letters });
    this.schedule();
    return modseq;
  }

  expunged(uids: readonly number[]): void {
    if (uids.length === 0) return;
    this.highest++;
    for (const u of uids) this.map.delete(u);
    this.schedule();
  }

  retain(present: Map<number, unknown>): void {
    let dropped = false;
    for (const u of this.map.keys()) {
      if (!present.has(u)) {
        this.map.delete(u);
        dropped = true;
      }
    }
    if (dropped) {
      this.highest++;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, 500);
    this.timer.unref();
  }

  /** Writes the cache now (tmp file + rename). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    let text = `H${this.highest}\n`;
    for (const [uid, k] of this.map) text += `${uid} ${k.modseq} ${k.letters}\n`;
    const tmp = `${this.path}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, text);
    await fsp.rename(tmp, this.path);
  }
}
