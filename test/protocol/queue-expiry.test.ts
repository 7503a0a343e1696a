/**
 * Expiry and the delay warning, with the clock made short by config: a remote MX that
 * answers 451 forever (smtp-sink -r RCPT) makes the message age past delivery.delay_warning
 * (one "delayed" DSN) and then past delivery.lifetime (a "failed" DSN, then it leaves the queue).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Spool } from '../../src/server/queue/spool.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Nsd, startNsd, zone } from '../helpers/nsd.js';
import { freePort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';
import { attempted, type Sink, startSink } from './queue-fixture.js';

const tmp = tempDir('mailctl-queue-exp-');
let nsd: Nsd;
let sink: Sink;
let td: TestDaemon;

before(async () => {
  nsd = await startNsd(tmp.path, {
    'soft.test.': zone('soft.test', 'soft.test. IN MX 10 mx\nmx IN A 127.0.0.5'),
  });
  const port = await freePort();
  sink = await startSink(tmp.path, '127.0.0.5', port, ['-r', 'RCPT', '-b', '451 4.7.1 try again later']);
  td = await startTestDaemon({
    only: ['queue'],
    extraToml: `[dns]\nservers = ["${nsd.server}"]\n[delivery]\nport = ${port}\nretry_base = "100ms"\nretry_max = "100ms"\ndelay_warning = "250ms"\nlifetime = "800ms"\n`,
  });
});

after(async () => {
  await td?.stop();
  await sink?.stop();
  await nsd?.stop();
  tmp.cleanup();
});

test('a message deferred past delay_warning gets one notice, past lifetime a bounce, then leaves', async () => {
  const spool = td.daemon.ctx.queue as Spool;
  const body = 'From: alice@example.test\r\nTo: h@soft.test\r\nSubject: slow one\r\n\r\nbody\r\n';
  const t0 = Date.now();
  const { id } = await spool.enqueue(
    { sender: 'alice@example.test', recipients: ['h@soft.test'] },
    Readable.from([body]),
  );
  const done = await attempted(spool, id, { done: true });
  const took = Date.now() - t0;
  assert.equal(done.results[0].status, 'failed');
  assert.match(done.results[0].error ?? '', /^gave up after .*451 4\.7\.1 try again later/);
  assert.ok(took >= 800 && took < 5000, `expired after ${took} ms (lifetime 800 ms)`);
  assert.equal(await spool.get(id), undefined);

  const view = await td.daemon.ctx.store.open({ user: 'alice@example.test', folder: 'INBOX' });
  const mails = await Promise.all(view.messages().map(async (m) => (await view.readAll(m.uid)).toString()));
  view.close();
  assert.equal(mails.length, 2, 'one delay notice, one failure notice');
  const [delayed, failed] = mails;
  assert.match(delayed, /^Subject: Delayed Mail \(still being retried\)\r$/m);
  assert.match(delayed, /^Action: delayed\r\nStatus: 4\.7\.1\r$/m);
  assert.match(delayed, /^Will-Retry-Until: /m);
  assert.match(failed, /^Subject: Undelivered Mail Returned to Sender\r$/m);
  assert.match(failed, /^Action: failed\r\nStatus: 4\.4\.7\r$/m);
  assert.match(failed, /^Diagnostic-Code: x-mailctl; gave up after/m);
});
