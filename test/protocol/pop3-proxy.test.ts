/**
 * POP3 behind a load balancer: with [listen] proxy_protocol = ["pop3", "pop3s"], the PROXY
 * v1/v2 header's client address is the one the session uses (events, limits), on plain
 * POP3 and before the TLS handshake of pop3s; a connection without a header is dropped.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { v2Header } from '../helpers/proxy-header.js';

let td: TestDaemon;
before(async () => {
  const off = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'http']
    .map((l) => `${l} = ""`)
    .join('\n');
  td = await startTestDaemon({
    only: ['pop3'],
    listenToml: `${off}\npop3 = "127.0.0.1:0"\npop3s = "127.0.0.1:0"\nproxy_protocol = ["pop3", "pop3s"]`,
  });
});
after(async () => td?.stop());

function lines(sock: Socket): () => Promise<string> {
  let buf = '';
  const waiting: (() => void)[] = [];
  sock.setEncoding('latin1');
  sock.on('data', (d: string) => {
    buf += d;
    for (const w of waiting.splice(0)) w();
  });
  return async () => {
    for (;;) {
      const i = buf.indexOf('\r\n');
      if (i >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 2);
        return l;
      }
      await new Promise<void>((r) => waiting.push(r));
    }
  };
}

async function failedLoginIp(sock: Socket): Promise<string> {
  const next = lines(sock);
  assert.match(await next(), /^\+OK/);
  const ev = once(td.daemon.ctx.events, 'auth-failure');
  sock.write('USER nobody@example.test\r\nPASS wrong-password\r\n');
  assert.match(await next(), /^\+OK/);
  assert.match(await next(), /^-ERR \[AUTH\]/);
  const [e] = (await ev) as [{ ip: string; service: string }];
  sock.destroy();
  return e.ip;
}

describe('POP3 with the PROXY protocol', () => {
  test('v1 on pop3: the header address is the client address', async () => {
    td.daemon.ctx.config.pop3.allow_plaintext_login = true;
    try {
      const sock = netConnect({ host: '127.0.0.1', port: td.port('pop3') });
      await once(sock, 'connect');
      sock.write('PROXY TCP4 192.0.2.7 127.0.0.1 51000 110\r\n');
      assert.equal(await failedLoginIp(sock), '192.0.2.7');
    } finally {
      td.daemon.ctx.config.pop3.allow_plaintext_login = false;
    }
  });

  test('v2 on pop3s: header first, then the TLS handshake', async () => {
    const raw = netConnect({ host: '127.0.0.1', port: td.port('pop3s') });
    await once(raw, 'connect');
    raw.write(v2Header('198.51.100.9', 40000, 995));
    const sock = tlsConnect({ socket: raw, ca: td.certs.caPem, servername: 'localhost' });
    await once(sock, 'secureConnect');
    assert.equal(await failedLoginIp(sock), '198.51.100.9');
  });

  test('a connection without a PROXY header is dropped', async () => {
    const sock = netConnect({ host: '127.0.0.1', port: td.port('pop3') });
    await once(sock, 'connect');
    sock.on('error', () => undefined);
    let got = '';
    sock.on('data', (d) => {
      got += d;
    });
    sock.write('USER alice@example.test\r\n');
    await once(sock, 'close');
    assert.equal(got, '');
  });
});
