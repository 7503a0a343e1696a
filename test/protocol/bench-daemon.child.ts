/**
 * The real daemon in its own process for bench tests: the load generator must not share the
 * daemon's event loop or CPU accounting. Prints one JSON line with ports and paths, stops on
 * SIGTERM. Run with: node --import tsx test/protocol/bench-daemon.child.ts
 */
import { startTestDaemon } from '../helpers/daemon.js';

const d = await startTestDaemon({
  users: [
    { address: 'alice@example.test', password: 'alice-password-1' },
    { address: 'bob@example.test', password: 'bob-password-1' },
  ],
});
const info = {
  pid: process.pid,
  dir: d.dir,
  ca: d.certs.caCert,
  smtp: d.port('smtp'),
  submission: d.port('submission'),
  imap: d.port('imap'),
  imaps: d.port('imaps'),
};
process.stdout.write(`${JSON.stringify(info)}\n`);
const stop = async () => {
  await d.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
