/**
 * Concurrency limits against real remote MXs: a destination whose MX stalls (smtp-sink -w)
 * may use only its per-domain share, so mail for another domain still goes out at once.
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

const tmp = tempDir('mailctl-queue-limits-');
let nsd: Nsd;
let slow: Sink;
let fast: Sink;
let td: TestDaemon;

before(async () => {
  nsd = await startNsd(tmp.path, {
    'slow.test.': zone('slow.test', 'slow.test. IN MX 10 mx\nmx IN A 127.0.0.11'),
    'fast.test.': zone('fast.test', 'fast.test. IN MX 10 mx\nmx IN A 127.0.0.12'),
  });
  const port = await freePort();
  slow = await startSink(tmp.path, '127.0.0.11', port, ['-w', '120']);
  fast = await startSink(tmp.path, '127.0.0.12', port);
  td = await startTestDaemon({
    only: ['queue'],
    extraToml: `[dns]\nservers = ["${nsd.server}"]\n[delivery]\nport = ${port}\nconcurrency = 2\nconcurrency_per_domain = 1\n`,
  });
});

after(async () => {
  await td?.daemon.stop(200); // cuts the stalled deliveries off
  await slow?.stop();
  await fast?.stop();
  await nsd?.stop();
  tmp.cleanup();
});

test('a stalled domain does not take every delivery slot', async () => {
  const spool = td.daemon.ctx.queue as Spool;
  const enqueue = (to: string) =>
    spool.enqueue(
      { sender: '', recipients: [to] },
      Readable.from([`To: ${to}\r\nSubject: limits\r\n\r\nx\r\n`]),
    );
  for (let i = 0; i < 4; i++) await enqueue(`u${i}@slow.test`);
  const { id } = await enqueue('v@fast.test');
  const e = await attempted(spool, id, { done: true });
  assert.equal(e.results[0].status, 'delivered');
  assert.equal(fast.dumps().length, 1);
  const slowOpen = (await spool.list()).filter((q) => q.recipients[0].address.endsWith('@slow.test'));
  assert.equal(slowOpen.length, 4, 'the slow mail is still queued (one of them in flight)');
  assert.ok(slowOpen.every((q) => q.attempts === 0));
});
