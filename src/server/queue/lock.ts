/**
 * One writer per spool. Two daemons appending to the same segment files would overwrite
 * each other's messages, so the daemon (and anything else that writes segments) holds
 * data_dir/queue/writer.pid. A lock whose process is gone (kill -9, crash) is taken over.
 * `mailctl queue` only changes SQLite rows and does not need it.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, MailctlError } from '../../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM'; // exists, owned by someone else
  }
}

export class WriterLock {
  private constructor(private readonly file: string) {}

  static acquire(dir: string): WriterLock {
    const file = join(dir, 'writer.pid');
    for (let tries = 0; tries < 3; tries++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new WriterLock(file);
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
      }
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      } catch {
        // removed meanwhile: try again
      }
      if (pid === process.pid || (Number.isFinite(pid) && alive(pid))) {
        throw new MailctlError('storage', `the outbound queue is in use by another process (pid ${pid})`, {
          where: dir,
          hint: 'only one `mailctl serve` may use a data_dir; stop the other one (or remove writer.pid if that pid is not mailctl)',
        });
      }
      try {
        unlinkSync(file); // stale: its process is gone
      } catch {
        // someone else took it over first: loop and look again
      }
    }
    throw new MailctlError('storage', 'could not take the queue writer lock', { where: file });
  }

  release(): void {
    try {
      if (Number.parseInt(readFileSync(this.file, 'utf8'), 10) === process.pid) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}
