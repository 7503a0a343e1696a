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
    only: ['queue', 'http'],
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
  const metrics = await (await fetch(`http://127.0.0.1:${td.port('http')}/metrics`)).text();
  const delivered = /^mailctl_queue_recipient_attempts_total\{status="delivered"\} (\d+)/m.exec(metrics);
  assert.ok(
    delivered && Number(delivered[1]) >= 2,
    `queue attempts missing from /metrics:\n${metrics.slice(0, 2000)}`,
  );
  assert.match(metrics, /^mailctl_queue_enqueued_total [1-9]/m);
  const eml = join(tmp.path, 'signed.eml');
  writeFileSync(eml, dumps[0].message.replace(/\r?\n/g, '\r\n'));
  const v = await opendkimVerify(tmp.path, eml, { 'example.test.': zones['example.test.'] });
  assert.ok(v.ok, v.output);
  // And a tampered copy must fail, so the check above means something.
  writeFileSync(eml, dumps[0].message.replace(/\r?\n/g, '\r\n').replace('Hello signed', 'Hello forged'));
  const bad = await opendkimVerify(tmp.path, eml, { 'example.test.': zones['example.test.'] });
  assert.equal(bad.ok, false, bad.output);
});

function part(dsn: string, type: string): string {
  const m = new RegExp(`Content-Type: ${type}[^]*?\\r\\n\\r\\n([^]*?)\\r\\n--=_mailctl_dsn_`).exec(dsn);
  assert.ok(m, `no ${type} part in:\n${dsn}`);
  return m[1];
}

test('5xx from the MX bounces to the local sender: RFC 3464 report in her INBOX', async () => {
  const before = (await inbox('alice@example.test')).length;
  const { id } = await enqueue('alice@example.test', ['eve@bad.test', 'carol@ok.test'], message('mixed'));
  const e = await attempted(spool, id, { done: true });
  assert.deepEqual(Object.fromEntries(e.results.map((r) => [r.rcpt, r.status])), {
    'eve@bad.test': 'failed',
    'carol@ok.test': 'delivered',
  });
  const mails = (await inbox('alice@example.test')).slice(before);
  assert.equal(mails.length, 1, 'one bounce');
  const dsn = mails[0];
  assert.match(dsn, /^Return-Path: <>\r\n/);
  assert.match(dsn, /^From: "Mail Delivery System" <MAILER-DAEMON@mx\.example\.test>\r$/m);
  assert.match(dsn, /^Auto-Submitted: auto-replied\r$/m);
  assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status; boundary=/);
  const status = part(dsn, 'message/delivery-status');
  assert.match(status, /^Reporting-MTA: dns; mx\.example\.test\r$/m);
  assert.match(
    status,
    /^Final-Recipient: rfc822; eve@bad\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.bad\.test\r$/m,
  );
  assert.match(status, /^Diagnostic-Code: smtp; 550 5\.1\.1 no such user here\r$/m);
  assert.doesNotMatch(status, /carol@ok\.test/, 'delivered recipients are not reported');
  assert.match(part(dsn, 'text/rfc822-headers'), /^Subject: mixed\r$/m);
  assert.doesNotMatch(dsn, /Hello mixed/, 'the body is not returned');
});

test('MX preference order with fallback, implicit MX (A only), and null MX', async () => {
  const before = sinks.ok.dumps().length;
  const a = await enqueue('alice@example.test', ['x@backup.test'], message('backup'));
  const ea = await attempted(spool, a.id, { done: true });
  assert.equal(ea.results[0].status, 'delivered', ea.results[0].error);
  assert.equal(ea.results[0].remoteMta, 'mx2.backup.test');
  const b = await enqueue('alice@example.test', ['y@implicit.test'], message('implicit'));
  const eb = await attempted(spool, b.id, { done: true });
  assert.equal(eb.results[0].status, 'delivered', eb.results[0].error);
  assert.deepEqual(
    sinks.ok
      .dumps()
      .slice(before)
      .map((d) => d.rcpts),
    [['x@backup.test'], ['y@implicit.test']],
  );
  const inboxBefore = (await inbox('alice@example.test')).length;
  const c = await enqueue('alice@example.test', ['z@nullmx.test'], message('nullmx'));
  const ec = await attempted(spool, c.id, { done: true });
  assert.equal(ec.results[0].status, 'failed');
  const dsn = (await inbox('alice@example.test')).slice(inboxBefore);
  assert.equal(dsn.length, 1);
  assert.match(part(dsn[0], 'message/delivery-status'), /^Status: 5\.1\.10\r$/m);
  assert.match(dsn[0], /null MX/);
});

test('no bounce for a bounce; a remote sender gets its DSN through the queue', async () => {
  const inboxBefore = (await inbox('alice@example.test')).length;
  const a = await enqueue('', ['eve@bad.test'], message('bounce-of-bounce', 'MAILER-DAEMON@elsewhere.test'));
  const ea = await attempted(spool, a.id, { done: true });
  assert.equal(ea.results[0].status, 'failed');
  assert.equal((await spool.list()).length, 0, 'dropped, nothing new queued');
  assert.equal((await inbox('alice@example.test')).length, inboxBefore);

  const sinkBefore = sinks.ok.dumps().length;
  const b = await enqueue(
    'frank@ok.test',
    ['eve@bad.test'],
    message('remote-sender', 'frank@ok.test'),
    false,
  );
  const dsnQueued = new Promise<string>((resolve) => spool.once('enqueued', resolve));
  await attempted(spool, b.id, { done: true });
  const dsnId = await dsnQueued;
  const ed = await attempted(spool, dsnId, { done: true });
  assert.equal(ed.results[0].status, 'delivered', ed.results[0].error);
  const [d] = sinks.ok.dumps().slice(sinkBefore);
  assert.equal(d.from, '', 'DSNs are sent with MAIL FROM:<>');
  assert.deepEqual(d.rcpts, ['frank@ok.test']);
  assert.match(d.message, /report-type=delivery-status/);
  assert.match(d.message, /Final-Recipient: rfc822; eve@bad\.test/);
});

test('4xx is retried with backoff, then delivered once the MX accepts', async () => {
  const softPort = port;
  const soft = await startSink(tmp.path, '127.0.0.4', softPort, [
    '-r',
    'RCPT',
    '-b',
    '451 4.7.1 greylisted, try later',
  ]);
  const { id } = await enqueue('alice@example.test', ['gina@soft.test'], message('greylisted'));
  const t0 = Date.now();
  const e1 = await attempted(spool, id);
  assert.equal(e1.done, false);
  assert.equal(e1.results[0].status, 'deferred');
  const q = await spool.get(id);
  assert.equal(q?.attempts, 1);
  assert.equal(q?.recipients[0].status, 'deferred');
  assert.match(q?.lastError ?? '', /451 4\.7\.1 greylisted/);
  // retry_base = 1h: the next attempt is an hour out, not sooner, not later.
  const wait = (q?.nextAttemptAt?.getTime() ?? 0) - t0;
  assert.ok(wait > 3_590_000 && wait <= 3_600_000 + (Date.now() - t0), String(wait));
  await soft.stop();
  sinks.soft = await startSink(tmp.path, '127.0.0.4', softPort);
  assert.equal(await spool.retry(id), 1);
  const e2 = await attempted(spool, id, { done: true });
  assert.equal(e2.results[0].status, 'delivered', e2.results[0].error);
  assert.equal(sinks.soft.dumps().length, 1);
  assert.equal((await inbox('alice@example.test')).filter((m) => /greylisted/.test(m)).length, 0, 'no DSN');
});
