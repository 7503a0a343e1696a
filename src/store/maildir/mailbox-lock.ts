/**
 * Exclusive mailbox locks (the POP3 maildrop lock): in-process by a Set, across processes
 * and NFS clients by the file mailctl-pop3.lock in the folder, created with O_EXCL and
 * holding "<host> <pid>". A lock is stale when its process is gone (same host) or it was
 * not touched for `staleMs` (holders touch it on activity). Deliveries do not take it:
 * new mail simply is not part of a POP3 session that started earlier.
 */
import { constants, promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import type { MailboxLock } from '../store.js';

const held = new Set<string>();

export async function lockMailbox(dir: string, staleMs: number): Promise<MailboxLock | undefined> {
  const path = join(dir, 'mailctl-pop3.lock');
  if (held.has(path)) return undefined;
  held.add(path);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await fsp.open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
        await fh.write(`${hostname()} ${process.pid}\n`);
        await fh.close();
        return {
          touch: async () => {
            const now = new Date();
            await fsp.utimes(path, now, now).catch(() => undefined);
          },
          release: async () => {
            if (!held.delete(path)) return;
            await fsp.unlink(path).catch(() => undefined);
          },
        };
      } catch (e) {
        if (errnoCode(e) !== 'EEXIST') throw e;
        if (!(await isStale(path, staleMs))) break;
        await fsp.unlink(path).catch(() => undefined);
      }
    }
  } catch (e) {
    held.delete(path);
    throw e;
  }
  held.delete(path);
  return undefined;
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [st, text] = await Promise.all([fsp.stat(path), fsp.readFile(path, 'utf8')]);
    const [host, pidText] = text.trim().split(' ');
    const pid = Number(pidText);
    if (host === hostname() && pid > 0) {
      // Our own pid but not in `held`: left behind by an earlier process that had our pid.
      if (pid === process.pid) return true;
      try {
        process.kill(pid, 0);
      } catch (e) {
        if (errnoCode(e) === 'ESRCH') return true;
      }
    }
    return Date.now() - st.mtimeMs > staleMs;
  } catch {
    return true;
  }
}
