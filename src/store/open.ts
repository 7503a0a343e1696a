/**
 * Builds the daemon's Store from the config: Maildir++ under DATA_DIR/mail, one
 * `<domain>/<localpart>/Maildir` per account, readable by Dovecot 2.3 as is.
 *
 * Map of src/store/maildir/ (the files are the truth; everything in memory is a cache):
 *   names.ts      IMAP folder names ↔ ".Name" directories (modified UTF-7), traversal refused
 *   filename.ts   "<base>,S=…,W=…:2,<flags>" names; D F R S T and keyword letters a–z
 *   uidlist.ts    dovecot-uidlist v3 (UIDs, UIDVALIDITY), appended or rewritten under lock
 *   lock.ts       THE LOCKING SCHEME: Dovecot-style dot-locks (O_EXCL "<file>.lock" holding
 *                 "<pid>:<host>", stale when the holder is gone or after 120 s, replace by
 *                 rename) plus an in-process mutex per file; works across processes and NFS
 *   folder.ts     per-folder state shared in-process; re-syncs only when mtimes moved
 *   numbering.ts  UIDs for delivered files, many deliveries per lock (group commit)
 *   deliver.ts    stream to tmp/, fsync, rename to new/ or cur/, links for more targets
 *   write.ts      CRLF normalising, size limit while streaming, grouped directory fsync
 *   view.ts       MailboxView: snapshot, flags, expunge, copy, \Recent
 *   read.ts       message bytes, following files renamed by other processes
 *   keywords.ts   dovecot-keywords;  folders.ts: tree, subscriptions, special-use
 *   quota.ts      maildirsize (Maildir++ quota);  modseq.ts: CONDSTORE cache
 *   mailbox-lock.ts  the POP3 maildrop lock
 */
import { join, resolve } from 'node:path';
import type { Config } from '../config/load.js';
import type { Directory } from '../directory/directory.js';
import { MaildirStore } from './maildir/store.js';
import type { Store } from './store.js';

const QUOTA_CACHE_MS = 10_000;

export async function openStore(config: Config, directory: Directory): Promise<Store> {
  const cache = new Map<string, { limit: number; at: number }>();
  const quotaLimit = async (user: string): Promise<number> => {
    const hit = cache.get(user);
    if (hit && Date.now() - hit.at < QUOTA_CACHE_MS) return hit.limit;
    const account = await directory.getAccount(user);
    const limit = account && account.quota > 0 ? account.quota : config.store.default_quota;
    cache.set(user, { limit, at: Date.now() });
    return limit;
  };
  return new MaildirStore({
    mailRoot: join(resolve(config.baseDir, config.data_dir), 'mail'),
    fsync: config.store.fsync,
    quotaLimit,
  });
}
