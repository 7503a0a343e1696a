/**
 * What `mailctl queue` does, against the spool on disk (not through the daemon): the
 * commands change SQLite rows only, which the running daemon's runner re-reads within a
 * second. A data_dir without a queue yet is an empty queue, not an error.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/load.js';
import { MailctlError } from '../../errors.js';
import { readHeaderBlock } from './dkim.js';
import { queueDir } from './open.js';
import type { QueuedMessage } from './queue.js';
import { Spool } from './spool.js';

export interface QueueDetail extends QueuedMessage {
  headers: string;
  sessionId?: string;
  authUser?: string;
}

async function withSpool<T>(
  config: Pick<Config, 'data_dir'>,
  fn: (s: Spool) => Promise<T>,
  empty?: () => T,
): Promise<T> {
  const dir = queueDir(config);
  if (!existsSync(join(dir, 'queue.sqlite'))) {
    if (empty) return empty();
    throw new MailctlError('not-found', 'the outbound queue is empty (no spool yet)', {
      where: dir,
      hint: '`mailctl queue list` shows the queued message ids',
    });
  }
  const spool = new Spool(dir, { readOnly: true });
  try {
    return await fn(spool);
  } finally {
    await spool.close();
  }
}

export function listQueue(config: Pick<Config, 'data_dir'>): Promise<QueuedMessage[]> {
  return withSpool(
    config,
    (s) => s.list(),
    () => [],
  );
}

export function showQueued(config: Pick<Config, 'data_dir'>, id: string): Promise<QueueDetail> {
  return withSpool(config, async (s) => {
    const q = await s.get(id);
    const row = s.row(id);
    if (!q || !row) {
      throw new MailctlError('not-found', `no queued message ${id}`, {
        where: queueDir(config),
        hint: '`mailctl queue list` shows the queued message ids',
      });
    }
    const headers = await readHeaderBlock(s.read(row));
    return {
      ...q,
      headers,
      ...(row.session_id ? { sessionId: row.session_id } : {}),
      ...(row.auth_user ? { authUser: row.auth_user } : {}),
    };
  });
}

/** The whole stored message (as it will be sent, before DKIM signing). */
export function readQueued(config: Pick<Config, 'data_dir'>, id: string): Promise<Buffer> {
  return withSpool(config, async (s) => {
    const row = s.row(id);
    if (!row) throw new MailctlError('not-found', `no queued message ${id}`, { where: queueDir(config) });
    const { buffer } = await import('node:stream/consumers');
    return buffer(s.read(row));
  });
}

export type QueueAction = 'retry' | 'delete' | 'hold' | 'release';

/** Applies an action; returns how many messages it touched. */
export function actOnQueue(
  config: Pick<Config, 'data_dir'>,
  action: QueueAction,
  id?: string,
): Promise<number> {
  return withSpool(
    config,
    async (s) => {
      switch (action) {
        case 'retry':
          return s.retry(id);
        case 'delete':
          await s.remove(id!);
          return 1;
        case 'hold':
          await s.hold(id!);
          return 1;
        case 'release':
          await s.release(id!);
          return 1;
      }
    },
    action === 'retry' && !id ? () => 0 : undefined,
  );
}
