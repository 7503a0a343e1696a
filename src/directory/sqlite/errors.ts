/** Turns SQLite failures (locked, read-only, not a database) into operator-facing errors. */
import { MailctlError } from '../../errors.js';

export function sqliteError(e: unknown, path: string): unknown {
  if (e instanceof MailctlError) return e;
  const code =
    typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const msg = e instanceof Error ? e.message : String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new MailctlError('storage', 'the account database is locked by another process', {
      where: path,
      cause: e,
      hint: 'another mailctl (an import?) or a sqlite3 shell holds a write lock; wait for it to finish and retry',
    });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new MailctlError('storage', 'the account database is read-only', {
      where: path,
      cause: e,
      hint: 'make the file and its directory writable by this user (SQLite also writes -wal and -shm files next to it)',
    });
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new MailctlError('storage', `cannot open the account database: ${msg}`, {
      where: path,
      cause: e,
      hint: 'check that the directory exists and is writable, or set directory.sqlite_path',
    });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new MailctlError('storage', `the account database is damaged or not a SQLite file: ${msg}`, {
      where: path,
      cause: e,
      hint: 'restore it from a backup, or point directory.sqlite_path at the right file',
    });
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR') {
    return new MailctlError('storage', `the account database could not be written: ${msg}`, {
      where: path,
      cause: e,
      hint: 'check free disk space and the file system',
    });
  }
  return e;
}
