/**
 * The reference floor for mailctl's SMTP path: a minimal smtp-server script (no policy, no
 * directory, no headers) that writes each message to tmp/, fsyncs, renames into new/ and
 * fsyncs the directory before its 250 — what the issue measured at ~1,700 msg/s on an
 * idle machine. Greeting delay 0 (via mailctl's wire patch).
 *
 *   node --import tsx bench/smtp/min-server.ts PORT MAILDIR
 *
 * MIN_WORKERS=N runs N processes sharing the listener (node:cluster, each accepting for
 * itself): what more than one accepting process buys on this machine (bench/smtp/run.ts
 * counts only the first process's CPU then).
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { installWirePatch } from '../../src/server/smtp/wire-patch.js';

const [port, maildir] = [Number(process.argv[2]), process.argv[3]];
for (const d of ['tmp', 'new']) mkdirSync(join(maildir, d), { recursive: true });
installWirePatch();

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  await fh.sync();
  await fh.close();
}

const options = {
  mailctl: true,
  greetingDelay: 0,
  disableReverseLookup: true,
  logger: false,
  authOptional: true,
  disabledCommands: ['AUTH'],
  hideENHANCEDSTATUSCODES: false,
  size: 50_000_000,
  onData(stream, _session, cb) {
    const name = `${Date.now()}.${randomBytes(8).toString('hex')}.bench`;
    const tmp = join(maildir, 'tmp', name);
    (async () => {
      const fh = await open(tmp, 'w');
      for await (const chunk of stream) await fh.write(chunk as Buffer);
      await fh.sync();
      await fh.close();
      await rename(tmp, join(maildir, 'new', name));
      await fsyncDir(join(maildir, 'new'));
    })().then(
      () => cb(null, 'stored'),
      (e: Error) => cb(e),
    );
  },
} as SMTPServerOptions & { mailctl: boolean; greetingDelay: number };

const workers = Number(process.env.MIN_WORKERS ?? 1);
if (workers > 1 && cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const server = new SMTPServer(options);
  server.on('error', () => undefined);
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
