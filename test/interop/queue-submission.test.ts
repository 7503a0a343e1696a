/**
 * Outbound mail end to end through two real daemons and real peers:
 *  - a client submits with AUTH over STARTTLS (nodemailer) → our queue → smtp-sink found by
 *    MX in NSD; the DKIM signature is checked by opendkim-testmsg;
 *  - a second mailctl daemon is the remote MX offering STARTTLS: delivered over TLS when
 *    verification is off, deferred when [delivery] verify_tls = true (self-signed test CA),
 *    deferred by require_tls against a sink that offers no STARTTLS;
 *  - the second daemon's submission port as a smarthost with AUTH ([delivery] relay_host).
 * The TLS settings change through Daemon.reload() (the SIGHUP path).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import type { Spool } from '../../src/server/queue/spool.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Nsd, startNsd, zone } from '../helpers/nsd.js';
import { freePort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';
import { makeDkimKey, opendkimVerify, type Sink, startSink } from '../protocol/queue-fixture.js';

const tmp = tempDir('mailctl-queue-e2e-');
let zones: Record<string, string>;
let nsd: Nsd;
let sink: Sink;
let a: TestDaemon; // the sender under test
let b: TestDaemon; // the remote MX / smarthost
let aToml: string;
let spoolA: Spool;

before(async () => {
  const dkim = makeDkimKey(tmp.path);
  zones = {
    'ok.test.': zone('ok.test', 'ok.test. IN MX 10 mx\nmx IN A 127.0.0.8'),
    'tls.test.': zone('tls.test', 'tls.test. IN MX 10 mx\nmx IN A 127.0.0.9'),
    'example.test.': zone('example.test', `sel._domainkey IN TXT ${dkim.txt}`),
  };
  nsd = await startNsd(tmp.path, zones);
  const port = await freePort();
  sink = await startSink(tmp.path, '127.0.0.8', port);
  b = await startTestDaemon({
    only: ['smtp'],
    domains: ['tls.test', 'example.test'],
    users: [
      { address: 'bob@tls.test', password: 'bob-password-1' },
      // The smarthost account: an ISP relay lets a customer send as its own address.
      { address: 'alice@example.test', password: 'alice-at-isp-1' },
    ],
    listenToml: `smtp = "127.0.0.9:${port}"\nsubmission = "127.0.0.9:0"\nsubmissions = ""\nimap = ""\nimaps = ""\npop3 = ""\npop3s = ""\nhttp = ""`,
    extraToml: `[dns]\nservers = ["${nsd.server}"]\n`,
  });
  // Both test daemons are called mx.example.test; B must be someone else, or it refuses A's HELO as a loop.
  writeFileSync(
    b.configFile,
    readFileSync(b.configFile, 'utf8').replace('hostname = "mx.example.test"', 'hostname = "mx.tls.test"'),
  );
  await b.daemon.reload();
  assert.equal(b.daemon.ctx.config.hostname, 'mx.tls.test');
  aToml = `[dns]\nservers = ["${nsd.server}"]\n[dkim]\nselector = "sel"\nkey = "${dkim.keyFile}"\n[delivery]\nport = ${port}\nretry_base = "1h"\n`;
  a = await startTestDaemon({
    only: ['smtp', 'queue'],
    listenToml: `smtp = "127.0.0.1:0"\nsubmission = "127.0.0.1:0"\nsubmissions = ""\nimap = ""\nimaps = ""\npop3 = ""\npop3s = ""\nhttp = ""`,
    extraToml: aToml,
  });
  spoolA = a.daemon.ctx.queue as Spool;
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await sink?.stop();
  await nsd?.stop();
  tmp.cleanup();
});

/** Rewrites daemon A's [delivery] table and reloads it as SIGHUP would. */
async function setDelivery(extra: string): Promise<void> {
  const text = readFileSync(a.configFile, 'utf8').replace(
    /\[delivery\][^[]*/,
    `[delivery]\n${/port = \d+/.exec(aToml)?.[0]}\nretry_base = "1h"\n${extra}\n`,
  );
  writeFileSync(a.configFile, text);
  await a.daemon.reload();
}

async function submit(to: string, subject: string): Promise<string> {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: a.port('submission'),
    secure: false,
    requireTLS: true,
    tls: { ca: a.certs.caPem, servername: 'localhost' },
    auth: { user: 'alice@example.test', pass: 'alice-password-1' },
  });
  try {
    const info = await t.sendMail({
      from: 'Alice <alice@example.test>',
      to,
      subject,
      text: `Hello ${subject}\n`,
    });
    return info.response;
  } finally {
    t.close();
  }
}

/** Waits for the next attempt daemon A records (submission does not tell us the queue id first). */
function nextAttempt(): Promise<{
  id: string;
  results: { rcpt: string; status: string; error?: string; tls?: boolean }[];
  done: boolean;
}> {
  return new Promise((resolve) => spoolA.once('attempted', resolve));
}

test('submitted mail is queued, DKIM-signed and delivered to the MX; opendkim-testmsg verifies it', async () => {
  const attempt = nextAttempt();
  const reply = await submit('carol@ok.test', 'e2e signed');
  assert.match(reply, /^250 /);
  const e = await attempt;
  assert.equal(e.results[0].status, 'delivered', e.results[0].error);
  const d = sink.dumps().at(-1)!;
  assert.deepEqual(d.rcpts, ['carol@ok.test']);
  assert.match(d.message, /^DKIM-Signature: .*d=example\.test;/m);
  assert.match(d.message, /^Received: from [^\n]*\n\tby mx\.example\.test \(mailctl\) with ESMTPSA/m);
  const eml = join(tmp.path, 'e2e.eml');
  writeFileSync(eml, d.message.replace(/\r?\n/g, '\r\n'));
  const v = await opendkimVerify(tmp.path, eml, { 'example.test.': zones['example.test.'] });
  assert.ok(v.ok, v.output);
});

test('STARTTLS to a remote MX that offers it; verify_tls refuses an untrusted certificate; require_tls refuses plaintext', async () => {
  let attempt = nextAttempt();
  await submit('bob@tls.test', 'over tls');
  let e = await attempt;
  assert.equal(e.results[0].status, 'delivered', e.results[0].error);
  assert.equal(e.results[0].tls, true, 'STARTTLS was used');
  const view = await b.daemon.ctx.store.open({ user: 'bob@tls.test', folder: 'INBOX' });
  const [m] = view.messages();
  const stored = (await view.readAll(m.uid)).toString();
  view.close();
  assert.match(stored, /with ESMTPS id [^\r]*\r\n\t\(using TLSv1\.[23] with cipher/);
  assert.match(stored, /^Subject: over tls\r$/m);

  await setDelivery('verify_tls = true');
  attempt = nextAttempt();
  await submit('bob@tls.test', 'verified tls');
  e = await attempt;
  assert.equal(e.results[0].status, 'deferred', e.results[0].error);
  assert.match(e.results[0].error ?? '', /certificate|self.signed|issuer/i);
  await a.daemon.ctx.queue.remove(e.id);

  await setDelivery('require_tls = true');
  attempt = nextAttempt();
  await submit('dave@ok.test', 'plaintext refused');
  e = await attempt;
  assert.equal(e.results[0].status, 'deferred', e.results[0].error);
  assert.match(e.results[0].error ?? '', /STARTTLS/i);
  await a.daemon.ctx.queue.remove(e.id);
});

test('a smarthost with AUTH over STARTTLS takes everything (relay_host)', async () => {
  await setDelivery(
    `relay_host = "127.0.0.9:${b.port('submission')}"\nrelay_user = "alice@example.test"\nrelay_password = "alice-at-isp-1"`,
  );
  const attempt = nextAttempt();
  await submit('someone@far-away.test', 'via smarthost');
  const e = await attempt;
  assert.equal(e.results[0].status, 'delivered', e.results[0].error);
  assert.equal(e.results[0].tls, true);
  // The smarthost (daemon B, no queue runner) now holds it for delivery by MX.
  const queued = await b.daemon.ctx.queue.list();
  assert.equal(queued.length, 1);
  assert.equal(queued[0].sender, 'alice@example.test');
  assert.deepEqual(
    queued[0].recipients.map((r) => r.address),
    ['someone@far-away.test'],
  );
});
