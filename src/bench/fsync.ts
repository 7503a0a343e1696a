/**
 * fsync latency of the disk the server writes to: create, write 8 KiB, fsync, close, as a
 * Maildir delivery does, `count` times in a scratch directory under `dir`. The scratch
 * directory is renamed aside and removed afterwards (mass deletes slow later creates on
 * this ext4, see TESTING.md, so it is small).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, MailctlError } from '../errors.js';
import { percentile } from './stats.js';

export interface FsyncProbe {
  dir: string;
  count: number;
  medianMs: number;
  p95Ms: number;
}

export async function probeFsync(dir: string, count = 200): Promise<FsyncProbe> {
  let scratch: string;
  try {
    scratch = await mkdtemp(join(dir, '.mailctl-fsync-'));
  } catch (e) {
    throw new MailctlError(
      'invalid-input',
      `cannot write in ${dir} to measure fsync: ${errnoCode(e) ?? String(e)}`,
      {
        where: dir,
        hint: "point --fsync-dir at the server's data directory (or a directory on the same disk)",
        cause: e,
      },
    );
  }
  const data = randomBytes(8192);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const fh = await open(join(scratch, `m${i}`), 'wx');
      try {
        await fh.write(data);
        const t = performance.now();
        await fh.sync();
        times.push(performance.now() - t);
      } finally {
        await fh.close();
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { dir, count, medianMs: percentile(times, 50), p95Ms: percentile(times, 95) };
}
