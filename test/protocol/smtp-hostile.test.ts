/**
 * Bad input gets a clear reply and the daemon keeps serving: garbage, long lines, bare LF,
 * NUL, a client that vanishes mid-DATA, 1,000 recipients, a 45 MB message with flat memory,
 * bad base64 in AUTH, TLS garbage on 465. After each: a fresh session still works and no
 * half-written file is left in the Maildir or the incoming spool.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { plainAuth, RawSmtp } from '../helpers/smtp-raw.js';

let td: TestDaemon;

async function messages(user: string): Promise<{ size: number; text: string }[]> {
  const view = await td.daemon.ctx.store.open({ user, folder: 'INBOX' }, { readOnly: true });
  try {
    const out = [];
    for (const m of view.messages()) {
      const b = m.size < 1_000_000 ? (await view.readAll(m.uid)).toString('latin1') : '';
      out.push({ size: m.size, text: b });
    }
    return out;
  } finally {
    view.close();
  }
}

/** Files under every tmp/ of the Maildir tree and in the incoming spool. */
function leftovers(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\/(tmp|incoming)\//.test(p.slice(root.length))) out.push(p);
    }
  };
  const root = td.daemon.ctx.config.data_dir;
  walk(root);
  return out;
}

async function stillServes(): Promise<void> {
  const c = await RawSmtp.open(td.port('smtp'));
  assert.equal((await c.reply()).code, 220);
  assert.equal((await c.cmd('EHLO ok.example.net')).code, 250);
  const r = await c.send('a@remote.test', ['alice@example.test'], 'Subject: alive\r\n\r\nstill here\r\n');
  assert.equal(r.code, 250, r.text);
  c.close();
}

before(async () => {
  td = await startTestDaemon({ only: ['smtp'], aliases: { '@example.test': ['bob@example.test'] } });
});
afterEach(async () => {
  await stillServes();
  assert.deepEqual(leftovers(), []);
});
after(async () => {
  await td?.stop();
});

describe('hostile input', () => {
  it('garbage before EHLO: 5xx replies, then 421 and hang-up', async () => {
    const c = await RawSmtp.open(td.port('smtp'));
    await c.reply();
    const r1 = await c.cmd('\u0001\u00ff\u00fe binary junk');
    assert.equal(r1.code, 500);
    assert.equal((await c.cmd('MAIL FROM:<a@b.test>')).code, 503, 'MAIL before EHLO');
    assert.equal((await c.cmd('GET / HTTP/1.1')).code, 421);
    await c.ended;
  });

  it('a 100 KB command line is refused without killing the daemon', async () => {
    const c = await RawSmtp.open(td.port('smtp'));
    await c.reply();
    c.write(`EHLO ${'a'.repeat(100_000)}\r\n`);
    const r = await c.reply().catch((e: Error) => ({ code: 0, text: e.message }));
    assert.ok(r.code === 0 || r.code >= 400, JSON.stringify(r));
    c.close();
  });

  it('bare LF in DATA is stored with CRLF; NUL bytes do not break anything', async () => {
    const c = await RawSmtp.open(td.port('smtp'));
    await c.reply();
    await c.cmd('EHLO lf.example.net');
    await c.cmd('MAIL FROM:<a@remote.test>');
    await c.cmd('RCPT TO:<alice@example.test>');
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write('Subject: bare-lf\nX-Nul: a\u0000b\n\nline one\nline two\r\n.\r\n');
    const r = await c.reply();
    assert.equal(r.code, 250, r.text);
    assert.equal((await c.cmd('NOOP\u0000')).code >= 250, true);
    c.close();
    const m = (await messages('alice@example.test')).find((x) => x.text.includes('bare-lf'));
    assert.ok(m);
    assert.ok(!/[^\r]\n/.test(m.text), 'every LF is part of CRLF');
    assert.match(m.text, /line one\r\nline two\r\n$/);
  });

  it('a client that vanishes mid-DATA leaves nothing behind', async () => {
    const before = (await messages('alice@example.test')).length;
    const c = await RawSmtp.open(td.port('smtp'));
    await c.reply();
    await c.cmd('EHLO gone.example.net');
    await c.cmd('MAIL FROM:<a@remote.test>');
    await c.cmd('RCPT TO:<alice@example.test>');
    await c.cmd('DATA');
    const closed = once(td.daemon.ctx.events, 'connection-closed');
    c.write(`Subject: half\r\n\r\n${'z'.repeat(600_000)}`);
    c.close();
    await closed;
    assert.equal((await messages('alice@example.test')).length, before);
  });

  it('1,000 pipelined recipients are accepted, the 1,001st gets 452 4.5.3, one copy per mailbox', async () => {
    const before = (await messages('bob@example.test')).length;
    const c = await RawSmtp.open(td.port('smtp'));
    await c.reply();
    await c.cmd('EHLO many.example.net');
    await c.cmd('MAIL FROM:<a@remote.test>');
    let batch = '';
    for (let i = 0; i < 1001; i++) batch += `RCPT TO:<user${i}@example.test>\r\n`;
    c.write(batch);
    const codes: number[] = [];
    for (let i = 0; i < 1001; i++) codes.push((await c.reply()).code);
    assert.equal(codes.filter((x) => x === 250).length, 1000);
    assert.equal(codes[1000], 452);
    assert.equal((await c.cmd('DATA')).code, 354);
    c.write('Subject: thousand\r\n\r\nhi\r\n.\r\n');
    assert.equal((await c.reply()).code, 250);
    c.close();
    assert.equal((await messages('bob@example.test')).length, before + 1);
  });

  it('a 45 MB message streams through with flat memory', async () => {
    const c = await RawSmtp.open(td.port('smtp'));
    await c.reply();
    await c.cmd('EHLO big.example.net');
    await c.cmd('MAIL FROM:<a@remote.test> SIZE=45000000');
    await c.cmd('RCPT TO:<alice@example.test>');
    assert.equal((await c.cmd('DATA')).code, 354);
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const line = `${'0123456789'.repeat(9)}\r\n`; // 92 bytes
    const chunk = line.repeat(11_000); // ~1 MB
    c.write('Subject: big\r\n\r\n');
    for (let i = 0; i < 44; i++) {
      // wait for drain so the test client itself does not hold 45 MB
      await c.writeDrained(chunk);
    }
    c.write('.\r\n');
    const r = await c.reply(120_000);
    clearInterval(sampler);
    c.close();
    assert.equal(r.code, 250, r.text);
    const grew = (peak - base) / 1e6;
    assert.ok(grew < 60, `RSS grew by ${grew.toFixed(1)} MB while receiving 45 MB`);
    const big = (await messages('alice@example.test')).find((m) => m.size > 40_000_000);
    assert.ok(big, 'the big message is in the store');
  });

  it('AUTH with bad base64 gets 501 and the session continues', async () => {
    const c = await RawSmtp.open(td.port('submission'));
    await c.reply();
    await c.cmd('EHLO auth.example.net');
    await c.starttls(td.certs.caPem);
    await c.cmd('EHLO auth.example.net');
    const r = await c.cmd('AUTH PLAIN !!!not*base64');
    assert.ok(r.code >= 500 && r.code < 600, r.text);
    const l = await c.cmd('AUTH LOGIN');
    assert.equal(l.code, 334);
    const r2 = await c.cmd('%%%');
    assert.ok(r2.code >= 500, r2.text);
    const ok = await c.cmd(`AUTH PLAIN ${plainAuth('alice@example.test', 'alice-password-1')}`);
    assert.equal(ok.code, 235, ok.text);
    c.close();
  });

  it('TLS handshake garbage on 465 closes that socket only', async () => {
    const s = connect({ host: '127.0.0.1', port: td.port('submissions') });
    await once(s, 'connect');
    s.on('error', () => undefined);
    // Plain text and random bytes where a ClientHello should be.
    s.write('EHLO plain-text-on-tls\r\n');
    s.write(Buffer.from('deadbeef00ff'.repeat(50), 'hex'));
    await once(s, 'close');
    const tlsOk = await RawSmtp.open(td.port('submissions'), { tls: true, ca: td.certs.caPem });
    assert.equal((await tlsOk.reply()).code, 220);
    tlsOk.close();
  });
});
