/**
 * For profiling by hand: starts the bench source Dovecot (the generated corpus) and an
 * empty target Dovecot, prints their ports as JSON, and keeps them up until SIGINT/SIGTERM.
 *
 *   npx tsx bench/migrate/peers.ts [--users 4] [--messages 2600] [--avg-bytes 48000]
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Manifest } from '../../fixtures/corpus/generate.js';
import { startDovecot } from '../../test/helpers/dovecot.js';

const W = resolve(process.env.BENCH_DIR ?? '/tmp/mailctl-bench-migrate');
const MASTER = { user: 'admin', password: 'master-secret' };
const m = JSON.parse(readFileSync(join(W, 'corpus', 'manifest.json'), 'utf8')) as Manifest;
const users = m.users.map((u) => ({ user: u.name, password: u.password }));
const src = await startDovecot({
  dir: join(W, 'src-dc'),
  mailRoot: join(W, 'corpus', 'maildir'),
  mailPath: '%n/Maildir',
  separator: '.',
  users,
  master: MASTER,
});
const dstDir = join(W, 'probe-dst');
if (existsSync(dstDir)) renameSync(dstDir, `${dstDir}.old.${Date.now()}`);
const dst = await startDovecot({
  dir: join(dstDir, 'dc'),
  mailRoot: join(dstDir, 'mail'),
  mailPath: '%n/Maildir',
  separator: '/',
  users,
  master: MASTER,
  extraConf: 'mail_fsync = optimized\n',
});
console.log(JSON.stringify({ src: src.imapPort, dst: dst.imapPort, dstConfig: dst.configFile, dstDir }));
const stop = async () => {
  await dst.stop();
  await src.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
