/** The daemon's structured log (pino): one JSON line per event, to stderr or a file. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(opts: { level: string; file: string }): Logger {
  const dest = opts.file
    ? pino.destination({ dest: opts.file, sync: false, mkdir: true })
    : pino.destination(2);
  return pino(
    { level: opts.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    dest,
  );
}
