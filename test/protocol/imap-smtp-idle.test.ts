/** A message accepted by the real SMTP service is announced to an IMAP session in IDLE within a second. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import nodemailer from 'nodemailer';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawImap, tagged } from '../helpers/imap-raw.js';

let d: TestDaemon;
before(async () => {
  d = await startTestDaemon({ only: ['smtp', 'imap'] });
});
after(async () => {
  await d.stop();
});

it('SMTP delivery wakes IMAP IDLE within 1 s', async () => {
  const { c } = await RawImap.open(d.port('imaps'), { tls: true, ca: d.certs.caPem });
  assert.match(tagged(await c.cmd('l', 'LOGIN alice@example.test alice-password-1')), /^OK/);
  await c.cmd('s', 'SELECT INBOX');
  c.write('i IDLE\r\n');
  assert.equal(await c.line(), '+ idling');
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: d.port('smtp'),
    secure: false,
    ignoreTLS: true,
    name: 'client.example.test',
  });
  const info = await t.sendMail({
    from: 'someone@example.test',
    to: 'alice@example.test',
    subject: 'wake up',
    text: 'hello',
  });
  const accepted = Date.now();
  assert.match(info.response, /^250/);
  const line = await c.line();
  assert.match(line, /^\* 1 EXISTS$/);
  assert.ok(Date.now() - accepted < 1000, `announced after ${Date.now() - accepted} ms`);
  c.write('DONE\r\n');
  assert.match(tagged(await c.until('i')), /^OK/);
  const f = await c.cmd('f', 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])');
  assert.match(f[0], /Subject: wake up/);
  await c.close();
});
