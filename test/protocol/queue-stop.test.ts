/**
 * Graceful stop of the queue runner: a delivery that finishes within the stop deadline is
 * recorded; one that does not (the remote MX stalls before answering DATA) is cut off and
 * stays queued exactly as before, and after a restart it is delivered once.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Spool } from '../../src/server/queue/spool.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Nsd, startNsd, zone } from '../helpers/nsd.js';
import { freePort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';
import { attempted, type Sink, startSink } from './queue-fixture.js';

const tmp = tempDir('mailctl-queue-stop-');
const dataDir = tempDir('mailctl-queue-stop-data-');
let nsd: Nsd;
let port: number;
let toml: string;
const running: Sink[] = [];

before(async () => {
  nsd = await startNsd(tmp.path, {
    'slow.test.': zone('slow.test', 'slow.test. IN MX 10 mx\nmx IN A 127.0.0.10'),
  });
  port = await freePort();
  toml = `[dns]\nservers = ["${nsd.server}"]\n[delivery]\nport = ${port}\n`;
});

after(async () => {
  for (const s of running) await s.stop();
  await nsd?.stop();
  tmp.cleanup();
  dataDir.cleanup();
});

async function sink(args: string[]): Promise<Sink> {
  for (const s of running.splice(0)) await s.stop();
  const s = await startSink(tmp.path, '127.0.0.10', port, args);
  running.push(s);
  return s;
}

async function daemon(): Promise<TestDaemon> {
  return startTestDaemon({ only: ['queue'], dir: dataDir.path, extraToml: toml });
}

async function enqueueAndWaitForStart(td: TestDaemon, subject: string): Promise<string> {
  const spool = td.daemon.ctx.queue as Spool;
  const started = once(spool, 'attempt-start');
  const { id } = await spool.enqueue(
    { sender: 'alice@example.test', recipients: ['x@slow.test'] },
    Readable.from([`Subject: ${subject}\r\n\r\nbody\r\n`]),
  );
  assert.deepEqual(await started, [id]);
  return id;
}

test('a delivery that ends within the deadline is recorded before the daemon stops', async () => {
  const s = await sink(['-w', '1']); // answers DATA after one second
  const td = await daemon();
  const id = await enqueueAndWaitForStart(td, 'finishes');
  const done = attempted(td.daemon.ctx.queue as Spool, id, { done: true });
  await td.daemon.stop(10_000);
  assert.equal((await done).results[0].status, 'delivered');
  assert.equal(s.dumps().filter((d) => d.message.includes('Subject: finishes')).length, 1);
  const again = await daemon();
  try {
    assert.deepEqual(await again.daemon.ctx.queue.list(), []);
  } finally {
    await again.daemon.stop(1000);
  }
});

test('a delivery cut off by the deadline stays queued unchanged and is delivered once after restart', async () => {
  await sink(['-w', '120']); // stalls for two minutes before answering DATA
  const td = await daemon();
  const id = await enqueueAndWaitForStart(td, 'cut off');
  const t0 = Date.now();
  await td.daemon.stop(300);
  assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms with a 300 ms deadline`);

  const s = await sink([]);
  const again = await daemon();
  try {
    const q = await again.daemon.ctx.queue.get(id);
    // Nothing was recorded for the cut-off attempt (attempts may be 0; its recipient still open).
    assert.equal(q?.recipients[0].status, 'pending');
    assert.equal(q?.attempts, 0);
    const e = await attempted(again.daemon.ctx.queue as Spool, id, { done: true });
    assert.equal(e.results[0].status, 'delivered');
    // The dump directory is shared by the sinks; the stalled one may have left an empty transaction.
    assert.equal(s.dumps().filter((d) => d.message.includes('Subject: cut off')).length, 1);
  } finally {
    await again.daemon.stop(1000);
  }
});
