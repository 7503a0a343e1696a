/**
 * Our own daemon (`mailctl serve`, started in-process by the test helper) audited from
 * outside: it must not be an open relay to any of the classic tricks, and its TLS on the
 * MX port (STARTTLS), submission (587-style STARTTLS), submissions (465-style TLS), IMAPS
 * and POP3S (found through SRV records) must pass — no AUTH before STARTTLS, TLS 1.2+ only,
 * valid chain, matching name.
 * The test certificate names "localhost", so the test zone points MX and SRV there.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AuditReport, CheckName, Status } from '../../src/audit/result.js';
import { runAudit } from '../../src/audit/run.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { type Nsd, startNsd, zone } from '../helpers/nsd.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = tempDir('mailctl-audit-daemon-');
let daemon: TestDaemon;
let nsd: Nsd;

before(async () => {
  daemon = await startTestDaemon({ only: ['smtp', 'queue', 'imap', 'pop3'] });
  nsd = await startNsd(tmp.path, {
    'example.test': zone(
      'example.test',
      [
        '@ IN MX 10 localhost.',
        `_submission._tcp IN SRV 0 1 ${daemon.port('submission')} localhost.`,
        `_submissions._tcp IN SRV 0 1 ${daemon.port('submissions')} localhost.`,
        `_imaps._tcp IN SRV 0 1 ${daemon.port('imaps')} localhost.`,
        `_pop3s._tcp IN SRV 0 1 ${daemon.port('pop3s')} localhost.`,
      ].join('\n'),
    ),
    localhost:
      '$ORIGIN localhost.\n$TTL 300\n@ IN SOA localhost. root.localhost. 1 3600 600 86400 300\n@ IN NS localhost.\n@ IN A 127.0.0.1\n',
  });
});
after(async () => {
  await nsd?.stop();
  await daemon?.stop();
  tmp.cleanup();
});

function statusOf(r: AuditReport, name: CheckName): { status: Status; detail: string } {
  const c = r.checks.find((x) => x.name === name);
  assert.ok(c, name);
  return {
    status: c.status,
    detail: c.findings.map((f) => `  ${f.status} ${f.subject}: ${f.message}`).join('\n'),
  };
}

test('mailctl serve is not an open relay and its TLS passes on MX, submission, submissions, IMAPS and POP3S', async () => {
  const r = await runAudit({
    domain: 'example.test',
    resolvers: [nsd.server],
    smtpPort: daemon.port('smtp'),
    ca: [daemon.certs.caPem],
    timeoutMs: 5000,
    only: ['mx', 'open-relay', 'tls'],
  });
  const relay = statusOf(r, 'open-relay');
  assert.equal(relay.status, 'pass', relay.detail);
  assert.match(relay.detail, /refused all 10 relay attempts/);
  const tls = statusOf(r, 'tls');
  assert.equal(tls.status, 'pass', tls.detail);
  for (const svc of ['smtp', 'submission', 'submissions', 'imaps', 'pop3s']) {
    assert.match(
      tls.detail,
      new RegExp(`pass ${svc} localhost .*certificate valid for localhost`),
      `${svc}:\n${tls.detail}`,
    );
  }
  assert.match(tls.detail, /refuses SSLv3, TLS 1\.0 and TLS 1\.1/);
  assert.match(tls.detail, /refuses RC4, 3DES, DES, EXPORT, NULL and anonymous ciphers/);
  assert.equal(statusOf(r, 'mx').status, 'pass');
});
