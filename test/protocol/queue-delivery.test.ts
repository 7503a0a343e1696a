/**
 * The outbound queue inside the real daemon, delivering to real remote MXs: Postfix's
 * smtp-sink on loopback addresses, found through MX records served by a real NSD.
 * DKIM signatures are checked by opendkim-testmsg against the key published in NSD.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Spool } from '../../src/server/queue/spool.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Nsd, startNsd, zone } from '../helpers/nsd.js';
import { freePort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';
import { attempted, makeDkimKey, opendkimVerify, type Sink, startSink } from './queue-fixture.js';

const tmp = tempDir('mailctl-queue-');
let nsd: Nsd;
let zones: Record<string, string>;
let td: TestDaemon;
let spool: Spool;
let port: number;
const sinks: Record<string, Sink> = {};

const message = (subject: string, from = 'alice@example.test', to = 'carol@ok.test') =>
  `From: Alice <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.test>\r\n\r\nHello ${subject}.\r\nA second line.\r\n`;

before(async () => {
  const dkim = makeDkimKey(tmp.path);
  zones = {
    'ok.test.': zone('ok.test', 'ok.test. IN MX 10 mx\nmx IN A 127.0.0.2'),
    'bad.test.': zone('bad.test', 'bad.test. IN MX 10 mx\nmx IN A 127.0.0.3'),
    'soft.test.': zone('soft.test', 'soft.test. IN MX 10 mx\nmx IN A 127.0.0.4'),
    // Preference 5 points at an address nobody listens on: the runner must fall back to 20.
    'backup.test.': zone(
      'backup.test',
      'backup.test. IN MX 20 mx2\nbackup.test. IN MX 5 mx1\nmx1 IN A 127.0.0.9\nmx2 IN A 127.0.0.2',
    ),
    'implicit.test.': zone('implicit.test', 'implicit.test. IN A 127.0.0.2'),
    'nullmx.test.': zone('nullmx.test', 'nullmx.test. IN MX 0 .'),
    'example.test.': zone('example.test', `sel._domainkey IN TXT ${dkim.txt}`),
  };
  nsd = await startNsd(tmp.path, zones);
  port = await freePort();
  sinks.ok = await startSink(tmp.path, '127.0.0.2', port);
  sinks.bad = await startSink(tmp.path, '127.0.0.3', port, [
    '-f',
    'RCPT',
    '-B',
    '550 5.1.1 no such user here',
  ]);
  td = await startTestDaemon({
    only: ['queue'],
    extraToml: `[dns]\nservers = ["${nsd.server}"]\ntimeout = 2000\n[delivery]\nport = ${port}\nretry_base = "1h"\nretry_max = "4h"\ndelay_warning = "0"\nconnect_timeout = "5s"\n[dkim]\nselector = "sel"\nkey = "${dkim.keyFile}"\n`,
  });
  spool = td.daemon.ctx.queue as Spool;
});

after(async () => {
  await td?.stop();
  for (const s of Object.values(sinks)) await s.stop();
  await nsd?.stop();
  tmp.cleanup();
});

async function enqueue(sender: string, recipients: string[], body: string, dkimSign = true) {
  return td.daemon.ctx.queue.enqueue({ sender, recipients, dkimSign }, Readable.from([Buffer.from(body)]));
}

async function inbox(user: string): Promise<string[]> {
  const view = await td.daemon.ctx.store.open({ user, folder: 'INBOX' });
  try {
    return await Promise.all(view.messages().map(async (m) => (await view.readAll(m.uid)).toString('utf8')));
  } finally {
    view.close();
  }
}

test('delivers to the MX from DNS with a DKIM signature opendkim-testmsg accepts', async () => {
  const before = sinks.ok.dumps().length;
  const { id } = await enqueue('alice@example.test', ['carol@ok.test', 'dave@ok.test'], message('signed'));
  const e = await attempted(spool, id, { done: true });
  assert.deepEqual(
    e.results.map((r) => r.status),
    ['delivered', 'delivered'],
  );
  assert.equal(await spool.get(id), undefined, 'delivered messages leave the queue');
  const dumps = sinks.ok.dumps().slice(before);
  assert.equal(dumps.length, 1, 'one transaction for both recipients of one domain');
  assert.deepEqual(dumps[0].rcpts, ['carol@ok.test', 'dave@ok.test']);
  assert.equal(dumps[0].from, 'alice@example.test');
  assert.match(dumps[0].message, /^DKIM-Signature: .*d=example\.test/m);
  assert.match(dumps[0].message, /s=sel;/);
  const eml = join(tmp.path, 'signed.eml');
  writeFileSync(eml, dumps[0].message.replace(/\r?\n/g, '\r\n'));
  const v = await opendkimVerify(tmp.path, eml, { 'example.test.': zones['example.test.'] });
  assert.ok(v.ok, v.output);
  // And a tampered copy must fail, so the check above means something.
  writeFileSync(eml, dumps[0].message.replace(/\r?\n/g, '\r\n').replace('Hello signed', 'Hello forged'));
  const bad = await opendkimVerify(tmp.path, eml, { 'example.test.': zones['example.test.'] });
  assert.equal(bad.ok, false, bad.output);
});
