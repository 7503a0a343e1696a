/**
 * IMAP behind a load balancer: with [listen] proxy_protocol = ["imap", "imaps"], the PROXY
 * header's client address is the one the session uses (events, limits); on imaps the
 * header comes before the TLS handshake; a connection without a header is dropped.
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
  const off = ['smtp', 'submission', 'submissions', 'pop3', 'pop3s', 'http']
    .map((l) => `${l} = ""`)
    .join('\n');
  td = await startTestDaemon({
    only: ['imap'],
    listenToml: `${off}\nimap = "127.0.0.1:0"\nimaps = "127.0.0.1:0"\nproxy_protocol = ["imap", "imaps"]`,
  });
});
after(async () => td?.stop());

/** Reads the greeting, fails a LOGIN, and returns the IP the auth-failure event names. */
async function failedLoginIp(sock: Socket): Promise<string> {
  let got = '';
  sock.setEncoding('latin1');
  const until = (re: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (re.test(got)) {
          sock.off('data', onData);
          resolve();
        }
      };
      const onData = (d: string) => {
        got += d;
        check();
      };
      sock.on('data', onData);
      check();
    });
  await until(/^\* OK/);
  const ev = once(td.daemon.ctx.events, 'auth-failure');
  sock.write('a1 LOGIN nobody@example.test wrong-password\r\n');
  await until(/a1 NO/);
  const [e] = (await ev) as [{ ip: string }];
  sock.destroy();
  return e.ip;
}

describe('IMAP with the PROXY protocol', () => {
  test('v1 on imap: the header address is the client address', async () => {
    td.daemon.ctx.config.imap.allow_plaintext_login = true;
    try {
      const sock = netConnect({ host: '127.0.0.1', port: td.port('imap') });
      await once(sock, 'connect');
      sock.write('PROXY TCP4 192.0.2.8 127.0.0.1 51000 143\r\n');
      assert.equal(await failedLoginIp(sock), '192.0.2.8');
    } finally {
      td.daemon.ctx.config.imap.allow_plaintext_login = false;
    }
  });

  test('v2 on imaps: header first, then the TLS handshake', async () => {
    const raw = netConnect({ host: '127.0.0.1', port: td.port('imaps') });
    await once(raw, 'connect');
    raw.write(v2Header('198.51.100.10', 40000, 993));
    const sock = tlsConnect({ socket: raw, ca: td.certs.caPem, servername: 'localhost' });
    await once(sock, 'secureConnect');
    assert.equal(await failedLoginIp(sock), '198.51.100.10');
  });

  test('a connection without a PROXY header is dropped', async () => {
    const sock = netConnect({ host: '127.0.0.1', port: td.port('imap') });
    await once(sock, 'connect');
    sock.on('error', () => undefined);
    let got = '';
    sock.on('data', (d) => {
      got += d;
    });
    sock.write('a1 CAPABILITY\r\n');
    await once(sock, 'close');
    assert.equal(got, '');
  });
});
