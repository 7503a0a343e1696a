/** Builds the daemon's Store from the config: Maildir++ under DATA_DIR/mail. */
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
