/** Opens the outbound spool under data_dir/queue (the daemon and `mailctl queue` both use this). */
import { join } from 'node:path';
import type { Config } from '../../config/load.js';
import type { OutboundQueue } from './queue.js';
import { Spool } from './spool.js';

export function queueDir(config: Pick<Config, 'data_dir'>): string {
  return join(config.data_dir, 'queue');
}

export async function openQueue(config: Config): Promise<OutboundQueue> {
  return new Spool(queueDir(config));
}

/** The concrete spool, for the queue runner and the CLI, which need more than the interface. */
export async function openSpool(config: Pick<Config, 'data_dir'>): Promise<Spool> {
  return new Spool(queueDir(config));
}
