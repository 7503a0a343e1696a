/**
 * Outbound delivery rate: N messages already in the queue (10 KiB, one recipient each,
 * one destination domain) delivered by the runner to Postfix's smtp-sink, MX from NSD.
 * Each delivery is its own SMTP connection (no connection reuse yet); MX answers come from
 * the runner's route cache after the first lookup.
 *
 *   npx tsx bench/queue/deliver.ts [--messages 2000] [--concurrency 20] [--per-domain 20]
 */
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { AttemptedEvent } from '../../src/server/queue/runner.js';
import type { Spool } from '../../src/server/queue/spool.js';
import { startTestDaemon } from '../../test/helpers/daemon.js';
import { startNsd, zone } from '../../test/helpers/nsd.js';
import { freePort } from '../../test/helpers/proc.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { startSink } from '../../test/protocol/queue-fixture.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '20' },
    'per-domain': { type: 'string', default: '20' },
  },
});
const N = Number(values.messages);
const tmp = tempDir('mailctl-bench-deliver-');
const nsd = await startNsd(tmp.path, {
  'sink.test.': zone('sink.test', 'sink.test. IN MX 10 mx\nmx IN A 127.0.0.14'),
});
const port = await freePort();
const sink = await startSink(tmp.path, '127.0.0.14', port, ['-m', '200']);
const td = await startTestDaemon({
  only: ['queue'],
  extraToml: `[dns]\nservers = ["${nsd.server}"]\n[delivery]\nport = ${port}\nconcurrency = ${values.concurrency}\nconcurrency_per_domain = ${values['per-domain']}\n`,
});
const spool = td.daemon.ctx.queue as Spool;
const body = Buffer.from(
  `Subject: bench\r\n\r\n${'0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345\r\n'.repeat(142)}`,
);
// Hold everything while filling, so the measurement covers delivery only.
const ids: string[] = [];
for (let i = 0; i < N; i++) {
  const { id } = await spool.enqueue(
    { sender: 'a@example.test', recipients: [`r${i}@sink.test`] },
    Readable.from([body]),
  );
  await spool.hold(id);
  ids.push(id);
}
let done = 0;
let failed = 0;
const finished = new Promise<void>((resolve) => {
  spool.on('attempted', (e: AttemptedEvent) => {
    if (!e.done) {
      console.error(`not done: ${JSON.stringify(e.results)}`);
      return;
    }
    done++;
    if (e.results.some((r) => r.status !== 'delivered')) failed++;
    if (done === N) resolve();
  });
});
const t0 = process.hrtime.bigint();
for (const id of ids) await spool.release(id);
await finished;
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  `messages=${N} size=${body.length} concurrency=${values.concurrency}/${values['per-domain']}: ${secs.toFixed(2)} s, ${(N / secs).toFixed(0)} msg/s, not delivered ${failed}`,
);
await td.stop();
await sink.stop();
await nsd.stop();
tmp.cleanup();
