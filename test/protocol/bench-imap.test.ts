/**
 * `bench imap` against the real daemon on loopback (own process): seeded mailbox, simulated
 * users over STARTTLS and implicit TLS doing login, select, header and body fetches, flag
 * changes and IDLE; bad credentials counted as errors; the profile gets memory per connection.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { imapOptions } from '../../src/bench/options.js';
import { runImap } from '../../src/bench/run.js';
import { tempDir } from '../helpers/tmp.js';
import { type DaemonProcess, startDaemonProcess } from './bench-peer.js';

let d: DaemonProcess;
const tmp = tempDir('mailctl-bench-imap-');
before(async () => {
  d = await startDaemonProcess();
});
after(async () => {
  await d?.stop();
  tmp.cleanup();
});

test('bench imap: 4 users over STARTTLS for 2 s on a seeded mailbox', async () => {
  const profile = join(tmp.path, 'profile.json');
  const r = await runImap(
    imapOptions({
      target: `127.0.0.1:${d.imap}`,
      starttls: true,
      ca: d.ca,
      users: '4',
      duration: '2s',
      auth: ['alice@example.test:alice-password-1'],
      seed: '30',
      seedSize: '4KB',
      idle: '100ms',
      profile,
    }),
  );
  assert.deepEqual(r.errors, {});
  assert.equal(r.loggedIn, 4);
  const count = (op: string) => r.ops.find((o) => o.op === op)?.count ?? 0;
  assert.equal(count('append'), 30);
  assert.equal(count('login'), 4);
  assert.equal(count('select'), 4);
  for (const op of ['fetch-headers', 'fetch-body', 'store', 'idle-done']) assert.ok(count(op) > 0, op);
  assert.ok(r.bytesFetched > 4 * 4000, 'bodies came back');
  assert.equal(r.server?.pid, d.pid);
  assert.ok((r.server?.rssPeak ?? 0) > 0);
  // With 4 users the daemon's GC noise can exceed their memory: then it is reported as not measurable.
  const mem = r.server?.memPerConnection;
  assert.ok(mem === undefined || mem > 0);
  const p = JSON.parse(readFileSync(profile, 'utf8'));
  assert.equal(p.kind, 'mailctl-bench-profile');
  assert.equal(p.memPerConnection, mem);
});

test('bench imap: implicit TLS, and a wrong password is an error per user, not a crash', async () => {
  const r = await runImap(
    imapOptions({
      // By name: the daemon's implicit-TLS listener refuses handshakes without SNI.
      target: `localhost:${d.imaps}`,
      tls: true,
      ca: d.ca,
      users: '2',
      duration: '500ms',
      auth: ['bob@example.test:wrong-password', 'bob@example.test:bob-password-1'],
    }),
  );
  assert.equal(r.loggedIn, 1, JSON.stringify(r.errors));
  const reasons = Object.keys(r.errors);
  assert.equal(reasons.length, 1);
  assert.match(reasons[0], /^LOGIN: NO/);
});
