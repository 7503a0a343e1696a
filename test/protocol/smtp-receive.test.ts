/**
 * The real daemon on loopback, driven by raw SMTP scripts and nodemailer: replies AND what
 * ends up in the Store (or the outbound queue).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { plainAuth, RawSmtp } from '../helpers/smtp-raw.js';

let td: TestDaemon;

async function inbox(user: string, folder = 'INBOX'): Promise<string[]> {
  const view = await td.daemon.ctx.store.open({ user, folder }, { readOnly: true });
  try {
    const out: string[] = [];
    for (const m of view.messages()) out.push((await view.readAll(m.uid)).toString('utf8'));
    return out;
  } finally {
    view.close();
  }
}

async function ehlo(port: number, name = 'client.example.net'): Promise<RawSmtp> {
  const c = await RawSmtp.open(port);
  assert.equal((await c.reply()).code, 220);
  assert.equal((await c.cmd(`EHLO ${name}`)).code, 250);
  return c;
}

const msg = (from: string, to: string, subject: string, body = 'hello') =>
  `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@t>\r\n\r\n${body}\r\n`;

before(async () => {
  td = await startTestDaemon({
    only: ['smtp'],
    users: [
      { address: 'alice@example.test', password: 'alice-password-1' },
      { address: 'bob@example.test', password: 'bob-password-1' },
      { address: 'carol@example.test', password: 'carol-password-1', quota: 500 },
    ],
    aliases: { 'sales@example.test': ['alice@example.test', 'bob@example.test', 'partner@remote.test'] },
  });
});
after(async () => {
  await td?.stop();
});

describe('MX listener (smtp)', () => {
  it('greets, offers the extensions, STARTTLS but no AUTH', async () => {
    const c = await RawSmtp.open(td.port('smtp'));
    const g = await c.reply();
    assert.equal(g.code, 220);
    assert.match(g.text, /mx\.example\.test/);
    const e = await c.cmd('EHLO client.example.net');
    for (const ext of [
      'PIPELINING',
      '8BITMIME',
      'SMTPUTF8',
      'ENHANCEDSTATUSCODES',
      'STARTTLS',
      'SIZE 50000000',
    ]) {
      assert.ok(
        e.lines.some((l) => l.slice(4) === ext),
        `${ext} missing in ${e.text}`,
      );
    }
    assert.ok(!/AUTH/.test(e.text), 'MX must not offer AUTH');
    assert.equal((await c.cmd('AUTH PLAIN AGFsaWNlAHg=')).code, 500);
    c.close();
  });

  it('delivers to a local account with Return-Path, Delivered-To and a Received with TLS details', async () => {
    const c = await ehlo(td.port('smtp'));
    await c.starttls(td.certs.caPem);
    assert.equal((await c.cmd('EHLO client.example.net')).code, 250);
    const r = await c.send(
      'sender@remote.test',
      ['alice@example.test'],
      msg('sender@remote.test', 'alice@example.test', 'first'),
    );
    assert.equal(r.code, 250, r.text);
    assert.match(r.text, /^250 2\.6\.0 /);
    c.close();
    const [m] = (await inbox('alice@example.test')).filter((x) => x.includes('Subject: first'));
    assert.ok(m, 'message not in the store');
    assert.match(m, /^Return-Path: <sender@remote\.test>\r\nDelivered-To: alice@example\.test\r\n/);
    assert.match(
      m,
      /Received: from client\.example\.net \(\[127\.0\.0\.1\]\)\r\n\tby mx\.example\.test \(mailctl\) with ESMTPS id /,
    );
    assert.match(m, /using TLSv1\.[23] with cipher /);
    assert.match(m, /for <alice@example\.test>/);
    assert.ok(m.endsWith('hello\r\n'));
  });

  it('refuses unknown local users with 550 5.1.1 ending with the session id', async () => {
    const c = await ehlo(td.port('smtp'));
    assert.equal((await c.cmd('MAIL FROM:<x@remote.test>')).code, 250);
    const r = await c.cmd('RCPT TO:<nobody@example.test>');
    assert.equal(r.code, 550);
    assert.match(r.text, /^550 5\.1\.1 .*\([0-9a-z]{16}\)$/);
    c.close();
  });

  it('is not an open relay, also not through routing tricks', async () => {
    const c = await ehlo(td.port('smtp'));
    assert.equal((await c.cmd('MAIL FROM:<x@remote.test>')).code, 250);
    for (const rcpt of [
      'victim@remote.test',
      'victim%remote.test@example.test',
      '@example.test:victim@remote.test',
      '"victim@remote.test"@example.test',
      'alice@example.test@remote.test',
      'remote.test!victim@example.test',
      'victim@[192.0.2.1]',
    ]) {
      const r = await c.cmd(`RCPT TO:<${rcpt}>`);
      assert.ok(r.code >= 500, `${rcpt}: ${r.text}`);
      // smtp-server's own parser refuses some as syntax (501 5.1.3); what reaches us is 554 5.7.1.
      assert.match(r.text, /^(554 5\.7\.1|501 5\.1\.3) /, rcpt);
    }
    assert.equal((await c.cmd('DATA')).code, 503);
    c.close();
    assert.equal((await td.daemon.ctx.queue.list()).length, 0, 'nothing may be queued');
  });

  it('expands an alias: one copy per local account, external target queued', async () => {
    const c = await ehlo(td.port('smtp'));
    const r = await c.send(
      'x@remote.test',
      ['sales@example.test'],
      msg('x@remote.test', 'sales@example.test', 'alias-test'),
    );
    assert.equal(r.code, 250, r.text);
    c.close();
    assert.equal((await inbox('alice@example.test')).filter((m) => m.includes('alias-test')).length, 1);
    assert.equal((await inbox('bob@example.test')).filter((m) => m.includes('alias-test')).length, 1);
    const q = await td.daemon.ctx.queue.list();
    assert.equal(q.length, 1);
    assert.deepEqual(
      q[0].recipients.map((x) => x.address),
      ['partner@remote.test'],
    );
    for (const m of q) await td.daemon.ctx.queue.remove(m.id);
  });

  it('answers over-quota with 452 4.2.2 and stores nothing', async () => {
    const c = await ehlo(td.port('smtp'));
    const r = await c.send(
      'x@remote.test',
      ['carol@example.test'],
      msg('x@remote.test', 'carol@example.test', 'big', 'x'.repeat(2000)),
    );
    assert.equal(r.code, 452, r.text);
    assert.match(r.text, /^452 4\.2\.2 /);
    c.close();
    assert.equal((await inbox('carol@example.test')).length, 0);
  });

  it('reloads settings on reload(): a smaller size limit gives 552 5.3.4 after DATA, nothing stored', async () => {
    const text = readFileSync(td.configFile, 'utf8');
    writeFileSync(td.configFile, text.replace('[smtp]\n', '[smtp]\nmax_message_size = "10KB"\n'));
    await td.daemon.reload();
    try {
      const c = await ehlo(td.port('smtp'));
      const e = await c.cmd('EHLO again.example.net');
      assert.ok(
        e.lines.some((l) => l.endsWith('SIZE 10000')),
        e.text,
      );
      const before = (await inbox('bob@example.test')).length;
      const r = await c.send(
        'x@remote.test',
        ['bob@example.test'],
        msg('x@remote.test', 'bob', 'huge', 'y'.repeat(50_000)),
      );
      assert.equal(r.code, 552, r.text);
      assert.match(r.text, /5\.3\.4/);
      // The session goes on after the refusal.
      assert.equal((await c.cmd('NOOP')).code, 250);
      c.close();
      assert.equal((await inbox('bob@example.test')).length, before);
    } finally {
      writeFileSync(td.configFile, text);
      await td.daemon.reload();
    }
  });
});

describe('submission (587) and submissions (465)', () => {
  it('offers AUTH only after STARTTLS and refuses AUTH before it', async () => {
    const c = await ehlo(td.port('submission'));
    const r = await c.cmd('EHLO client.example.net');
    assert.ok(!/AUTH/.test(r.text), r.text);
    assert.ok(r.lines.some((l) => l.endsWith('STARTTLS')));
    const a = await c.cmd(`AUTH PLAIN ${plainAuth('alice@example.test', 'alice-password-1')}`);
    assert.equal(a.code, 538, a.text);
    const m = await c.cmd('MAIL FROM:<alice@example.test>');
    assert.equal(m.code, 530, m.text);
    await c.starttls(td.certs.caPem);
    const e2 = await c.cmd('EHLO client.example.net');
    assert.ok(
      e2.lines.some((l) => /AUTH PLAIN LOGIN/.test(l)),
      e2.text,
    );
    assert.equal((await c.cmd('MAIL FROM:<alice@example.test>')).code, 530, 'AUTH required before MAIL');
    const bad = await c.cmd(`AUTH PLAIN ${plainAuth('alice@example.test', 'wrong')}`);
    assert.match(bad.text, /^535 5\.7\.8 /);
    const ok = await c.cmd(`AUTH PLAIN ${plainAuth('alice@example.test', 'alice-password-1')}`);
    assert.equal(ok.code, 235, ok.text);
    c.close();
  });

  it('lets an authenticated user send to local and remote recipients, only as itself', async () => {
    const c = await ehlo(td.port('submission'));
    await c.starttls(td.certs.caPem);
    await c.cmd('EHLO client.example.net');
    assert.equal(
      (await c.cmd(`AUTH PLAIN ${plainAuth('alice@example.test', 'alice-password-1')}`)).code,
      235,
    );
    const spoof = await c.cmd('MAIL FROM:<bob@example.test>');
    assert.match(spoof.text, /^553 5\.7\.1 /);
    const r = await c.send(
      'alice@example.test',
      ['bob@example.test', 'friend@remote.test'],
      msg('alice@example.test', 'bob@example.test', 'from-alice'),
    );
    assert.equal(r.code, 250, r.text);
    const h = await c.send(
      'alice@example.test',
      ['bob@example.test'],
      msg('Bob <bob@example.test>', 'bob@example.test', 'header-spoof'),
    );
    assert.match(h.text, /^550 5\.7\.1 /);
    c.close();
    const bobs = await inbox('bob@example.test');
    assert.equal(bobs.filter((m) => m.includes('from-alice')).length, 1);
    assert.equal(bobs.filter((m) => m.includes('header-spoof')).length, 0);
    const m = bobs.find((x) => x.includes('from-alice')) ?? '';
    assert.match(m, /with ESMTPSA id/);
    const q = await td.daemon.ctx.queue.list();
    assert.equal(q.length, 1);
    assert.equal(q[0].sender, 'alice@example.test');
    assert.deepEqual(
      q[0].recipients.map((x) => x.address),
      ['friend@remote.test'],
    );
    for (const x of q) await td.daemon.ctx.queue.remove(x.id);
  });

  it('nodemailer over implicit TLS (465) with AUTH LOGIN delivers', async () => {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: td.port('submissions'),
      secure: true,
      auth: { user: 'bob@example.test', pass: 'bob-password-1', method: 'LOGIN' },
      tls: { ca: td.certs.caPem, servername: 'localhost' },
    });
    const info = await t.sendMail({
      from: 'bob@example.test',
      to: 'alice@example.test',
      subject: 'via-nodemailer',
      text: 'hi alice',
    });
    t.close();
    assert.match(info.response, /^250 2\.6\.0/);
    assert.equal((await inbox('alice@example.test')).filter((m) => m.includes('via-nodemailer')).length, 1);
  });
});
