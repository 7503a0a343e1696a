/** Open the configured directory, run one job, always close it (CLI commands use this). */
import type { Config } from '../config/load.js';
import type { Directory } from './directory.js';
import { openDirectory } from './open.js';

export async function withDirectory<T>(config: Config, fn: (d: Directory) => Promise<T>): Promise<T> {
  const dir = await openDirectory(config);
  try {
    return await fn(dir);
  } finally {
    await dir.close();
  }
}
