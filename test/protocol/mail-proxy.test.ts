/**
 * IMAP and POP3 behind a load balancer (both bind through src/server/listen.ts): with
 * [listen] proxy_protocol naming their listeners, the PROXY v1/v2 header's client address is
 * the one the session uses (events, limits), on the plain port and before the TLS handshake
 * of the implicit-TLS port; a connection without a header is dropped.
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
  const off = ['smtp', 'submission', 'submissions', 'http'].map((l) => `${l} = ""`).join('\n');
  const on = ['imap', 'imaps', 'pop3', 'pop3s'].map((l) => `${l} = "127.0.0.1:0"`).join('\n');
  td = await startTestDaemon({
    only: ['imap', 'pop3'],
    listenToml: `${off}\n${on}\nproxy_protocol = ["imap", "imaps", "pop3", "pop3s"]`,
  });
});
after(async () => td?.stop());

/** Reads CRLF lines from a socket, one per call. */
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

interface Protocol {
  name: 'imap' | 'pop3';
  tls: 'imaps' | 'pop3s';
  /** Reads the greeting and sends a login with a wrong password; resolves after the refusal. */
  failLogin(sock: Socket, next: () => Promise<string>): Promise<void>;
  /** A first command a client without a PROXY header would send. */
  probe: string;
}

const protocols: Protocol[] = [
  {
    name: 'imap',
    tls: 'imaps',
    async failLogin(sock, next) {
      assert.match(await next(), /^\* OK/);
      sock.write('a1 LOGIN nobody@example.test wrong-password\r\n');
      for (let l = await next(); !l.startsWith('a1 '); l = await next());
    },
    probe: 'a1 CAPABILITY\r\n',
  },
  {
    name: 'pop3',
    tls: 'pop3s',
    async failLogin(sock, next) {
      assert.match(await next(), /^\+OK/);
      sock.write('USER nobody@example.test\r\nPASS wrong-password\r\n');
      assert.match(await next(), /^\+OK/);
      assert.match(await next(), /^-ERR \[AUTH\]/);
    },
    probe: 'USER alice@example.test\r\n',
  },
];

for (const p of protocols) {
  /** The IP the auth-failure event names for a failed login on `sock`. */
  async function failedLoginIp(sock: Socket): Promise<string> {
    const ev = once(td.daemon.ctx.events, 'auth-failure');
    await p.failLogin(sock, lines(sock));
    const [e] = (await ev) as [{ ip: string }];
    sock.destroy();
    return e.ip;
  }

  describe(`${p.name} with the PROXY protocol`, () => {
    test(`v1 on ${p.name}: the header address is the client address`, async () => {
      td.daemon.ctx.config[p.name].allow_plaintext_login = true;
      try {
        const sock = netConnect({ host: '127.0.0.1', port: td.port(p.name) });
        await once(sock, 'connect');
        sock.write('PROXY TCP4 192.0.2.8 127.0.0.1 51000 143\r\n');
        assert.equal(await failedLoginIp(sock), '192.0.2.8');
      } finally {
        td.daemon.ctx.config[p.name].allow_plaintext_login = false;
      }
    });

    test(`v2 on ${p.tls}: header first, then the TLS handshake`, async () => {
      const raw = netConnect({ host: '127.0.0.1', port: td.port(p.tls) });
      await once(raw, 'connect');
      raw.write(v2Header('198.51.100.10', 40000, 993));
      const sock = tlsConnect({ socket: raw, ca: td.certs.caPem, servername: 'localhost' });
      await once(sock, 'secureConnect');
      assert.equal(await failedLoginIp(sock), '198.51.100.10');
    });

    test('a connection without a PROXY header is dropped', async () => {
      const sock = netConnect({ host: '127.0.0.1', port: td.port(p.name) });
      await once(sock, 'connect');
      sock.on('error', () => undefined);
      let got = '';
      sock.on('data', (d) => {
        got += d;
      });
      sock.write(p.probe);
      await once(sock, 'close');
      assert.equal(got, '');
    });
  });
}
