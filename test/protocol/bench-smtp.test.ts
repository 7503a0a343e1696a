/**
 * `bench smtp` against the real daemon on loopback (own process): every message accepted
 * and stored, latency percentiles, the server found by its port, STARTTLS + AUTH on
 * submission, errors counted not thrown, and a target that is down is a clear error.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { smtpOptions } from '../../src/bench/options.js';
import { runSmtp } from '../../src/bench/run.js';
import { isMailctlError } from '../../src/errors.js';
import { freePort } from '../helpers/proc.js';
import { type DaemonProcess, startDaemonProcess } from './bench-peer.js';

let d: DaemonProcess;
before(async () => {
  d = await startDaemonProcess();
});
after(async () => {
  await d?.stop();
});

const inbox = (user: string) => {
  const m = join(d.dir, 'data', 'mail', 'example.test', user, 'Maildir');
  if (!existsSync(join(m, 'new'))) return 0; // created on first delivery
  return readdirSync(join(m, 'new')).length + readdirSync(join(m, 'cur')).length;
};

test('bench smtp: 60 messages over 3 connections, all stored, server CPU and RSS measured', async () => {
  const before = inbox('alice');
  const r = await runSmtp(
    smtpOptions({
      target: `127.0.0.1:${d.smtp}`,
      connections: '3',
      messages: '60',
      size: '8KB',
      to: 'alice@example.test',
      from: 'bench@example.test',
    }),
  );
  const run = r.runs[0];
  assert.equal(run.messages, 60);
  assert.equal(run.stoppedBy, 'count');
  assert.deepEqual(run.errors, {});
  const msg = run.ops.find((o) => o.op === 'message')!;
  assert.equal(msg.count, 60);
  assert.ok(msg.p50 > 0 && msg.p50 <= msg.p95 && msg.p95 <= msg.p99 && msg.p99 <= msg.max);
  assert.equal(run.server?.pid, d.pid, 'the listening process was found through /proc');
  assert.ok((run.server?.cpuMs ?? 0) > 0 && (run.server?.rssPeak ?? 0) > 10 * 1024 ** 2);
  assert.ok(r.fsync && r.fsync.medianMs > 0);
  assert.equal(inbox('alice') - before, 60, 'every accepted message is in the Maildir');
});

test('bench smtp: STARTTLS and AUTH on submission, bounded by time', async () => {
  const r = await runSmtp(
    smtpOptions({
      target: `127.0.0.1:${d.submission}`,
      starttls: true,
      ca: d.ca,
      auth: 'bob@example.test:bob-password-1',
      connections: '2',
      messages: '1000000',
      duration: '1500ms',
      size: '2KB',
      from: 'bob@example.test',
      to: 'alice@example.test',
    }),
  );
  const run = r.runs[0];
  assert.equal(run.stoppedBy, 'time');
  assert.ok(run.messages > 0);
  assert.ok(run.seconds < 10);
  assert.equal(run.ops.find((o) => o.op === 'starttls')?.count, 2);
  assert.equal(run.ops.find((o) => o.op === 'auth')?.count, 2);
});

test('bench smtp: rejected recipients are counted as errors by reply', async () => {
  const r = await runSmtp(
    smtpOptions({
      target: `127.0.0.1:${d.smtp}`,
      connections: '1',
      messages: '3',
      to: 'nobody@example.test',
      from: 'x@example.test',
    }),
  );
  const run = r.runs[0];
  assert.equal(run.messages, 0);
  const [[reason, n]] = Object.entries(run.errors);
  assert.match(reason, /^RCPT 5\d\d$/);
  assert.equal(n, 3);
});

test('bench smtp: nothing listening is an "unreachable" error with a hint', async () => {
  const port = await freePort();
  await assert.rejects(
    runSmtp(smtpOptions({ target: `127.0.0.1:${port}`, messages: '1' })),
    (e: unknown) => isMailctlError(e) && e.code === 'unreachable' && /nothing listens/.test(e.message),
  );
});
