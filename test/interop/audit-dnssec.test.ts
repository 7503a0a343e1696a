/**
 * DNSSEC and DANE against real tools: zones signed with ldns-signzone (fresh keys in a
 * temp dir), served by NSD, validated by unbound holding the test trust anchors; TLSA
 * records checked against the certificates real TLS servers present.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AuditReport, CheckName, Status } from '../../src/audit/result.js';
import { type RunOptions, runAudit } from '../../src/audit/run.js';
import { dsMatches } from '../../src/dns/dnssec.js';
import { DnsLookup } from '../../src/dns/lookup.js';
import { type Stoppable, startMxPeer } from '../helpers/audit-peers.js';
import { fixtureZone } from '../helpers/audit-world.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { signZone } from '../helpers/dnssec.js';
import { type Nsd, startNsd, zone } from '../helpers/nsd.js';
import { freePort } from '../helpers/proc.js';
import { tempDir } from '../helpers/tmp.js';
import { startUnbound, type Unbound } from '../helpers/unbound.js';

const tmp = tempDir('mailctl-dnssec-');
const stoppers: Stoppable[] = [];
let nsd: Nsd;
let unbound: Unbound;
let certs: TestCerts;
let smtpPort: number;
let signedDs: string;

before(async () => {
  certs = makeCerts(join(tmp.path, 'tls'), { names: ['mx.signed.test', 'mx2.signed.test'] });
  const spki = new X509Certificate(readFileSync(certs.cert)).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  const tlsa = `3 1 1 ${createHash('sha256').update(spki).digest('hex')}`;
  const signed = signZone(tmp.path, 'signed.test', fixtureZone('signed.test.zone', { TLSA: tlsa }));
  const bogus = signZone(tmp.path, 'bogus.test', zone('bogus.test', '@ IN MX 10 mx\nmx IN A 127.0.0.1'), {
    expired: true,
  });
  signedDs = signed.ds;
  nsd = await startNsd(tmp.path, { 'signed.test': signed.text, 'bogus.test': bogus.text });
  stoppers.push(nsd);
  unbound = await startUnbound(tmp.path, {
    upstream: nsd.server,
    zones: ['signed.test', 'bogus.test'],
    trustAnchors: [signed.ds, bogus.ds],
  });
  stoppers.push(unbound);
  smtpPort = await freePort();
  const peer = { cert: certs.cert, key: certs.key, localDomains: ['signed.test'], port: smtpPort };
  stoppers.push(await startMxPeer({ ...peer, host: '127.0.0.1', name: 'mx.signed.test' }));
  stoppers.push(await startMxPeer({ ...peer, host: '127.0.0.2', name: 'mx2.signed.test' }));
});
after(async () => {
  await Promise.all(stoppers.map((s) => s.stop()));
  tmp.cleanup();
});

const opts = (domain: string, resolver: string): RunOptions => ({
  domain,
  resolvers: [resolver],
  smtpPort,
  ca: [certs.caPem],
  timeoutMs: 5000,
  only: ['dnssec', 'dane'],
});

function has(r: AuditReport, name: CheckName, status: Status, message: RegExp): void {
  const c = r.checks.find((x) => x.name === name);
  assert.ok(
    c?.findings.some((f) => f.status === status && message.test(f.message)),
    `${name}: no ${status} finding matching ${message}; got:\n${c?.findings.map((f) => `  ${f.status} ${f.subject}: ${f.message}`).join('\n')}`,
  );
}

test('a signed zone behind a validating resolver: AD set, DNSSEC and DANE pass', async () => {
  const r = await runAudit(opts('signed.test', unbound.server));
  has(r, 'dnssec', 'pass', /validated by the resolver \(AD\)/);
  has(r, 'dane', 'pass', /certificate matches TLSA 3 1 1/);
  assert.equal(r.status, 'pass');
});

test('a TLSA record that matches nothing fails DANE', async () => {
  const r = await runAudit(opts('wrongtlsa.signed.test', unbound.server));
  has(r, 'dane', 'fail', /no TLSA record at _25\._tcp\.mx2\.signed\.test matches the certificate/);
});

test('expired signatures: the validating resolver says SERVFAIL, the audit says bogus', async () => {
  const r = await runAudit(opts('bogus.test', unbound.server));
  has(r, 'dnssec', 'fail', /validation fails \(bogus\)/);
});

test('asked directly (no validation), TLSA without AD is flagged and the DS is matched by hand', async () => {
  const r = await runAudit(opts('signed.test', nsd.server));
  // NSD serves only the child, so the DS (a parent record) is absent: "signed but no DS".
  has(r, 'dnssec', 'warn', /signed but the parent has no DS/);
  has(r, 'dane', 'warn', /not DNSSEC-validated/);
  // Our DS arithmetic agrees with ldns-key2ds on the real KSK.
  const [, tag, alg, digestType, digest] = /\bDS\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]+)/i.exec(signedDs) ?? [];
  const keys = (await new DnsLookup({ servers: [nsd.server] }).dnskey('signed.test')).records;
  const ds = {
    keyTag: Number(tag),
    algorithm: Number(alg),
    digestType: Number(digestType),
    digest: Buffer.from(digest, 'hex'),
  };
  assert.ok(
    keys.some((k) => dsMatches('signed.test', ds, k)),
    `DS ${signedDs} matches no DNSKEY`,
  );
  assert.ok(!keys.some((k) => dsMatches('other.test', ds, k)));
});
