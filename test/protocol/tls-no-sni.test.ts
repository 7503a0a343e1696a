/**
 * Clients that connect by IP address send no SNI; every implicit-TLS listener must still
 * present the certificate (tls.createServer ignores `secureContext`, which once broke this).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
before(async () => {
  d = await startTestDaemon();
});
after(async () => {
  await d?.stop();
});

function greetingWithoutSni(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // No servername: Node sends no SNI for an IP host; checkServerIdentity against the IP SAN.
    const s = connect({ host: '127.0.0.1', port, ca, minVersion: 'TLSv1.2' }, () => {
      s.once('data', (b) => {
        resolve(b.toString());
        s.destroy();
      });
    });
    s.once('error', reject);
  });
}

for (const [listener, greeting] of [
  ['imaps', /^\* OK/],
  ['pop3s', /^\+OK/],
  ['submissions', /^220 /],
] as const) {
  test(`${listener} completes a handshake without SNI and greets`, async () => {
    const text = await greetingWithoutSni(d.port(listener), d.certs.caPem);
    assert.match(text, greeting);
  });
}
