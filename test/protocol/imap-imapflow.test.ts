/** imapflow (a real client library) against the real daemon over implicit TLS and STARTTLS. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

function client(port: number, secure: boolean): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure,
    doSTARTTLS: secure ? undefined : true,
    tls: { ca: [d.certs.caPem], servername: 'localhost' },
    auth: { user: 'alice@example.test', pass: 'alice-password-1' },
    logger: false,
  });
}

const multipart = [
  'From: "Bob B." <bob@example.test>',
  'To: alice@example.test, "Group": c@example.test, d@example.test;',
  'Subject: =?UTF-8?B?5pel5pys6Kqe?= report',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  'preamble',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'see attached',
  '--b1',
  'Content-Type: application/pdf; name="r.pdf"',
  'Content-Disposition: attachment; filename="r.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--b1--',
  '',
].join('\r\n');

before(async () => {
  d = await startTestDaemon({ only: ['imap'] });
});
after(async () => {
  await d.stop();
});

describe('imapflow', () => {
  for (const secure of [true, false]) {
    it(`appends, fetches structure and parts, flags, searches, moves (${secure ? 'imaps' : 'STARTTLS'})`, async () => {
      const c = client(d.port(secure ? 'imaps' : 'imap'), secure);
      await c.connect();
      const folder = secure ? 'FlowA' : 'FlowB';
      await c.mailboxCreate(folder);
      const ap = await c.append(folder, Buffer.from(multipart), ['\\Seen'], new Date('2024-01-02T03:04:05Z'));
      assert.ok(ap);
      assert.equal(ap.uid, 1);
      const lock = await c.getMailboxLock(folder);
      try {
        const m = await c.fetchOne('1', {
          envelope: true,
          bodyStructure: true,
          flags: true,
          internalDate: true,
          size: true,
          uid: true,
        });
        assert.ok(m);
        assert.equal(m.envelope?.subject, '日本語 report');
        assert.equal(m.envelope?.from?.[0].address, 'bob@example.test');
        assert.equal(m.bodyStructure?.type, 'multipart/mixed');
        assert.equal(m.bodyStructure?.childNodes?.[1].type, 'application/pdf');
        assert.equal(m.bodyStructure?.childNodes?.[1].disposition, 'attachment');
        assert.deepEqual([...(m.flags ?? [])], ['\\Seen']);
        assert.equal((m.internalDate as Date).toISOString(), '2024-01-02T03:04:05.000Z');
        assert.equal(m.size, Buffer.byteLength(multipart));
        const { content } = await c.download('1', '2');
        const chunks: Buffer[] = [];
        for await (const ch of content) chunks.push(ch as Buffer);
        assert.equal(Buffer.concat(chunks).toString('latin1').slice(0, 8), '%PDF-1.4');
        const src = await c.fetchOne('1', { source: true });
        assert.ok(src);
        assert.ok(src.source?.equals(Buffer.from(multipart)));
        await c.messageFlagsAdd('1', ['\\Flagged', '$Work']);
        const f = await c.fetchOne('1', { flags: true });
        assert.ok(f);
        assert.ok(f.flags?.has('$Work'));
        assert.ok(f.flags?.has('\\Flagged'));
        assert.deepEqual(await c.search({ keyword: '$Work' }), [1]);
        assert.deepEqual(await c.search({ body: 'see attached' }), [1]);
        const mv = await c.messageMove('1', 'Archive');
        assert.ok(mv && mv.uidMap?.size === 1);
      } finally {
        lock.release();
      }
      const st = await c.status(folder, { messages: true, uidNext: true });
      assert.equal(st.messages, 0);
      assert.equal(st.uidNext, 2);
      const list = await c.list();
      assert.equal(list.find((l) => l.path === 'Sent')?.specialUse, '\\Sent');
      await c.logout();
    });
  }

  it('IDLE with imapflow sees a delivery', async () => {
    const c = client(d.port('imaps'), true);
    await c.connect();
    await c.mailboxOpen('INBOX');
    const seen = new Promise<number>((r) => c.on('exists', (e: { count: number }) => r(e.count)));
    const other = client(d.port('imaps'), true);
    await other.connect();
    const idling = c.idle();
    await other.append('INBOX', Buffer.from('Subject: hi\r\n\r\nx\r\n'));
    assert.ok((await seen) >= 1);
    await other.logout();
    void idling;
    await c.logout();
  });
});
