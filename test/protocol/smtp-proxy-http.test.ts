/**
 * PROXY protocol v1 and v2 on a listener named in [listen] proxy_protocol: the address in
 * the header is the one the Received header (and every check) uses; a missing or broken
 * header closes the connection. Also the http service: /healthz and /metrics.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawSmtp } from '../helpers/smtp-raw.js';

let td: TestDaemon;

before(async () => {
  td = await startTestDaemon({
    only: ['smtp', 'http'],
    listenToml: [
      'smtp = "127.0.0.1:0"',
      'submission = "127.0.0.1:0"',
      'submissions = ""',
      'http = "127.0.0.1:0"',
      'proxy_protocol = ["smtp"]',
    ].join('\n'),
  });
});
after(async () => {
  await td?.stop();
});

async function receivedFor(subject: string): Promise<string> {
  const view = await td.daemon.ctx.store.open(
    { user: 'alice@example.test', folder: 'INBOX' },
    { readOnly: true },
  );
  try {
    for (const m of view.messages()) {
      const t = (await view.readAll(m.uid)).toString();
      if (t.includes(`Subject: ${subject}`)) return t;
    }
    return '';
  } finally {
    view.close();
  }
}

function v2Header(ip: number[], port: number): Buffer {
  const sig = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
  const body = Buffer.from([...ip, 127, 0, 0, 1, port >> 8, port & 255, 0, 25]);
  return Buffer.concat([sig, Buffer.from([0x21, 0x11, 0, body.length]), body]);
}

async function viaProxy(header: Buffer | string, subject: string): Promise<void> {
  const c = await RawSmtp.open(td.port('smtp'));
  c.write(header);
  assert.equal((await c.reply()).code, 220);
  assert.equal((await c.cmd('EHLO lb-client.example.net')).code, 250);
  const r = await c.send('x@remote.test', ['alice@example.test'], `Subject: ${subject}\r\n\r\nbody\r\n`);
  assert.equal(r.code, 250, r.text);
  c.close();
}

describe('PROXY protocol', () => {
  it('v1: the client address comes from the header', async () => {
    await viaProxy('PROXY TCP4 198.51.100.23 127.0.0.1 40000 25\r\n', 'proxy-v1');
    assert.match(
      await receivedFor('proxy-v1'),
      /Received: from lb-client\.example\.net \(\[198\.51\.100\.23\]\)/,
    );
  });

  it('v2: the client address comes from the binary header', async () => {
    await viaProxy(v2Header([203, 0, 113, 77], 50000), 'proxy-v2');
    assert.match(await receivedFor('proxy-v2'), /\(\[203\.0\.113\.77\]\)/);
  });

  it('a connection without a header is closed without a banner', async () => {
    const s = connect({ host: '127.0.0.1', port: td.port('smtp') });
    s.on('error', () => undefined);
    await once(s, 'connect');
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
    });
    s.write('EHLO no-proxy.example.net\r\n');
    await once(s, 'close');
    assert.ok(!got.startsWith('220'), got);
  });

  it('listeners not named in proxy_protocol take no header', async () => {
    const c = await RawSmtp.open(td.port('submission'));
    assert.equal((await c.reply()).code, 220);
    c.close();
  });
});

describe('http service', () => {
  it('/healthz answers ok and /metrics has SMTP counters', async () => {
    const base = `http://127.0.0.1:${td.port('http')}`;
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(await h.text(), 'ok\n');
    const m = await fetch(`${base}/metrics`);
    assert.equal(m.status, 200);
    const text = await m.text();
    assert.match(text, /mailctl_smtp_connections_total\{listener="smtp"\} \d+/);
    assert.match(text, /mailctl_smtp_messages_total\{listener="smtp"\} [1-9]/);
    assert.match(text, /mailctl_process_resident_memory_bytes/);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });
});
