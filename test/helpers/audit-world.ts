/**
 * The whole test world for `mailctl audit`: NSD serving the fixture zones (fixtures/dns),
 * good MX hosts (TLS 1.2+, valid chain from the test CA, no relaying) on 127.0.0.1 and
 * 127.0.0.2, submission on STARTTLS and implicit TLS, the MTA-STS policy over HTTPS, an
 * open relay (smtp-sink) on 127.0.0.3, broken servers on 127.0.0.4–6 and TLS faults
 * (expired, self-signed, TLS 1.0, AUTH before STARTTLS, SSLv3/3DES) on 127.0.0.7–12 — all on one
 * high "SMTP port", the way --smtp-port reaches them.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttps } from 'node:https';
import { join } from 'node:path';
import type { RunOptions } from '../../src/audit/run.js';
import { issueCert, makeSelfSignedCert } from './audit-certs.js';
import {
  type Stoppable,
  startBrokenServer,
  startLegacyTlsPeer,
  startMxPeer,
  startSmtpSink,
} from './audit-peers.js';
import { makeCerts, type TestCerts } from './certs.js';
import { type Nsd, startNsd } from './nsd.js';
import { freePort } from './proc.js';
import { tempDir } from './tmp.js';

const fixtures = new URL('../../fixtures/dns/', import.meta.url);

/** A fixture zone with {{VARS}} filled in. */
export function fixtureZone(file: string, vars: Record<string, string | number> = {}): string {
  let text = readFileSync(new URL(file, fixtures), 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{{${k}}}`, String(v));
  return text;
}

export const mtaStsPolicy =
  'version: STSv1\nmode: enforce\nmx: mx1.good.test\nmx: *.good.test\nmax_age: 86400\n';

export interface AuditWorld {
  dir: string;
  nsd: Nsd;
  certs: TestCerts;
  smtpPort: number;
  httpsPort: number;
  /** Options that point an audit at this world. */
  options(domain: string, extra?: Partial<RunOptions>): RunOptions;
  /** The same as CLI arguments. */
  args(domain: string): string[];
  stop(): Promise<void>;
}

export async function startAuditWorld(opts: { broken?: boolean } = {}): Promise<AuditWorld> {
  const tmp = tempDir('mailctl-audit-');
  const dir = tmp.path;
  const stoppers: Stoppable[] = [];
  try {
    const certs = makeCerts(join(dir, 'tls'), {
      names: ['mx1.good.test', 'mx2.good.test', 'smtp.good.test', 'mta-sts.good.test'],
    });
    const [smtpPort, submissionPort, submissionsPort, httpsPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const nsd = await startNsd(dir, {
      'good.test': fixtureZone('good.test.zone', {
        SUBMISSION_PORT: submissionPort,
        SUBMISSIONS_PORT: submissionsPort,
      }),
      'bad.test': fixtureZone('bad.test.zone'),
      '127.in-addr.arpa': fixtureZone('127.in-addr.arpa.zone'),
      'dnsbl.test': fixtureZone('dnsbl.test.zone'),
    });
    stoppers.push(nsd);
    const bad = (name: string) => ({ localDomains: ['bad.test'], port: smtpPort, name });
    const expired = issueCert(join(dir, 'tls-expired'), certs, 'expired.bad.test', { expired: true });
    const selfSigned = makeSelfSignedCert(join(dir, 'tls-self'), 'selfsigned.bad.test');
    const oldTls = issueCert(join(dir, 'tls-old'), certs, 'oldtls.bad.test');
    const tls = { cert: certs.cert, key: certs.key, localDomains: ['good.test'] };
    const started = await Promise.all([
      startMxPeer({ ...tls, host: '127.0.0.1', port: smtpPort, name: 'mx1.good.test' }),
      startMxPeer({ ...tls, host: '127.0.0.2', port: smtpPort, name: 'mx2.good.test' }),
      startMxPeer({ ...tls, host: '127.0.0.1', port: submissionPort, name: 'smtp.good.test' }),
      startMxPeer({ ...tls, host: '127.0.0.1', port: submissionsPort, name: 'smtp.good.test', secure: true }),
      startSmtpSink(dir, '127.0.0.3', smtpPort),
      startPolicyServer(certs, httpsPort),
      startMxPeer({ ...bad('expired.bad.test'), ...expired, host: '127.0.0.7' }),
      startMxPeer({ ...bad('selfsigned.bad.test'), ...selfSigned, host: '127.0.0.8' }),
      startMxPeer({ ...bad('oldtls.bad.test'), ...oldTls, host: '127.0.0.9', minVersion: 'TLSv1' }),
      startMxPeer({ ...bad('authplain.bad.test'), ...oldTls, host: '127.0.0.10', authBeforeTls: true }),
      startLegacyTlsPeer('127.0.0.12', smtpPort, 'legacy.bad.test'),
      ...(opts.broken === false
        ? []
        : [
            startBrokenServer('127.0.0.4', smtpPort, 'silent'),
            startBrokenServer('127.0.0.5', smtpPort, 'close'),
            startBrokenServer('127.0.0.6', smtpPort, 'garbage-ehlo'),
          ]),
    ]);
    stoppers.push(...started);
    const options = (domain: string, extra: Partial<RunOptions> = {}): RunOptions => ({
      domain,
      resolvers: [nsd.server],
      smtpPort,
      httpsPort,
      ca: [certs.caPem],
      dnsbl: ['ip.dnsbl.test'],
      domainBlocklists: ['dom.dnsbl.test'],
      // Generous: the machine is shared and often saturated; tests of timeouts set their own.
      timeoutMs: 5000,
      ...extra,
    });
    const args = (domain: string) => [
      'audit',
      domain,
      '--resolver',
      nsd.server,
      '--smtp-port',
      String(smtpPort),
      '--https-port',
      String(httpsPort),
      '--dnsbl',
      'ip.dnsbl.test',
      '--dbl',
      'dom.dnsbl.test',
      '--timeout',
      '5',
      '--ca',
      certs.caCert,
    ];
    return {
      dir,
      nsd,
      certs,
      smtpPort,
      httpsPort,
      options,
      args,
      async stop() {
        await Promise.all(stoppers.map((s) => s.stop()));
        tmp.cleanup();
      },
    };
  } catch (e) {
    await Promise.all(stoppers.map((s) => s.stop().catch(() => undefined)));
    tmp.cleanup();
    throw e;
  }
}

/** HTTPS for mta-sts.good.test: the policy at /.well-known/mta-sts.txt. */
async function startPolicyServer(certs: TestCerts, port: number): Promise<Stoppable> {
  const server = createHttps({ cert: readFileSync(certs.cert), key: readFileSync(certs.key) }, (req, res) => {
    if (req.url === '/.well-known/mta-sts.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(mtaStsPolicy);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
