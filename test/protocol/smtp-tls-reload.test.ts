/** The certificate is replaced on disk and reloaded (SIGHUP path): new handshakes on 465 and STARTTLS use it. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeCerts } from '../helpers/certs.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawSmtp } from '../helpers/smtp-raw.js';

let td: TestDaemon;
before(async () => {
  td = await startTestDaemon({ only: ['smtp'] });
});
after(async () => {
  await td?.stop();
});

describe('TLS certificate reload', () => {
  it('serves the new certificate after reload, without a restart', async () => {
    const oldCa = td.certs.caPem;
    const first = await RawSmtp.open(td.port('submissions'), { tls: true, ca: oldCa });
    assert.equal((await first.reply()).code, 220);
    first.close();
    const fresh = makeCerts(td.certs.dir); // new CA, new cert and key at the same paths
    await td.daemon.reload();
    await assert.rejects(RawSmtp.open(td.port('submissions'), { tls: true, ca: oldCa }));
    const implicit = await RawSmtp.open(td.port('submissions'), { tls: true, ca: fresh.caPem });
    assert.equal((await implicit.reply()).code, 220);
    implicit.close();
    const c = await RawSmtp.open(td.port('smtp'));
    await c.reply();
    await c.cmd('EHLO reload.example.net');
    await c.starttls(fresh.caPem);
    assert.equal((await c.cmd('EHLO reload.example.net')).code, 250);
    c.close();
  });

  it('refuses TLS 1.1 and older', async () => {
    const { connect } = await import('node:tls');
    const s = connect({
      host: '127.0.0.1',
      port: td.port('submissions'),
      maxVersion: 'TLSv1.1',
      minVersion: 'TLSv1',
      rejectUnauthorized: false,
    });
    const err = await new Promise<Error | undefined>((r) => {
      s.once('secureConnect', () => r(undefined));
      s.once('error', (e) => r(e));
    });
    s.destroy();
    assert.ok(err, 'a TLS 1.1 handshake must fail');
  });
});
