/**
 * TLS on receive (every MX on the SMTP port, STARTTLS) and on submission (587 STARTTLS,
 * 465, IMAPS 993, POP3S 995 — from SRV records or --host): STARTTLS offered, no AUTH
 * before TLS, modern protocols only, valid chain, matching name, not expiring, strong
 * key, no weak ciphers.
 */
import { isIP } from 'node:net';
import { AuditContext } from '../context.js';
import { clientHello, type HelloAnswer, SSL3, ssl3Suites, TLS12, weakSuites } from '../hello-probe.js';
import { type Finding, fail, info, pass, warn } from '../result.js';
import type { Check } from '../run.js';
import { ProbeError } from '../smtp.js';
import { rawHello, type TlsEndpoint, type TlsSession, tryHandshake } from '../tls-probe.js';

const services = [
  { srv: '_submission._tcp', service: 'submission', port: 587, mode: 'starttls' },
  { srv: '_submissions._tcp', service: 'submissions', port: 465, mode: 'implicit' },
  { srv: '_imaps._tcp', service: 'imaps', port: 993, mode: 'implicit' },
  { srv: '_pop3s._tcp', service: 'pop3s', port: 995, mode: 'implicit' },
] as const;

interface Target extends TlsEndpoint {
  /** Guessed (a --host on a standard port): a closed port is not a finding. */
  optional: boolean;
}

async function submissionTargets(ctx: AuditContext, report: (f: Finding) => void): Promise<Target[]> {
  const out: Target[] = [];
  await Promise.all(
    services.map(async (s) => {
      const srv = await ctx.dns.srv(`${s.srv}.${ctx.domain}`);
      for (const r of srv.records) {
        if (r.target === '') continue; // "." = service explicitly not offered
        const addrs = (await ctx.dns.addresses(r.target)).records;
        if (addrs.length === 0)
          report(
            fail(r.target, `${s.service} SRV target has no address`, `add an A/AAAA record for ${r.target}`),
          );
        for (const a of addrs)
          out.push({
            host: r.target,
            address: a,
            port: r.port,
            mode: s.mode,
            service: s.service,
            optional: false,
          });
      }
    }),
  );
  const given = ctx.opts.hosts ?? [];
  for (const h of given) {
    const addrs = (await ctx.dns.addresses(h)).records;
    if (addrs.length === 0) report(fail(h, 'host given with --host has no address', `check the name ${h}`));
    addStandardPorts(out, h, addrs);
  }
  if (out.length === 0 && given.length === 0) {
    // Nothing published: try the names submission hosts usually have, on the standard ports.
    for (const h of guessedHosts.map((g) => `${g}.${ctx.domain}`)) {
      addStandardPorts(out, h, (await ctx.dns.addresses(h)).records);
    }
  }
  return out;
}

/** Names tried when neither SRV records nor --host name a submission host. */
export const guessedHosts = ['smtp', 'mail', 'submission'];

function addStandardPorts(out: Target[], host: string, addrs: string[]): void {
  for (const a of addrs) {
    for (const s of services) {
      if (!out.some((t) => t.address === a && t.port === s.port)) {
        out.push({ host, address: a, port: s.port, mode: s.mode, service: s.service, optional: true });
      }
    }
  }
}

export const tls: Check = {
  name: 'tls',
  title: 'TLS (receive and submission)',
  async run(ctx, report) {
    const mx = (await ctx.mxEndpoints()).map((e) => ({ ...e, optional: false }));
    const sub = await submissionTargets(ctx, report);
    if (sub.length === 0) {
      report(
        info(
          ctx.domain,
          `no submission host found (no SRV records, no --host, no ${guessedHosts.join('/')}.${ctx.domain}): submission TLS not checked`,
          'publish _submission._tcp SRV records (RFC 6186) or give --host',
        ),
      );
    }
    await Promise.all([...mx, ...sub].map((t) => endpoint(ctx, t, report)));
  },
};

async function endpoint(ctx: AuditContext, t: Target, report: (f: Finding) => void): Promise<void> {
  const where = `${t.service} ${AuditContext.fmt(t.host, t.address, t.port)}`;
  let s: TlsSession;
  try {
    s = await ctx.tls(t);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (t.optional && /ECONNREFUSED|no connection within/.test(msg)) {
      // A guessed or --host port that is simply not in use is not a fault.
      report(
        info(where, /ECONNREFUSED/.test(msg) ? 'not listening' : 'no connection (filtered or not in use)'),
      );
    } else if (e instanceof ProbeError && !/TLS handshake/.test(msg)) {
      report(fail(where, `could not reach: ${msg}`, 'make the port reachable and answering'));
    } else {
      report(fail(where, `TLS failed: ${msg}`, 'configure a certificate and a modern TLS stack (TLS 1.2+)'));
      // A server that only speaks legacy TLS fails a modern handshake: show what it does speak.
      await probes(ctx, t, where, report);
    }
    return;
  }
  const plainAuth = s.authBeforeTls.filter((m) => /^(PLAIN|LOGIN)$/i.test(m));
  if (s.authBeforeTls.length > 0) {
    const f = plainAuth.length > 0 ? fail : warn;
    report(
      f(
        where,
        `AUTH offered before STARTTLS (${s.authBeforeTls.join(' ')})`,
        'offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes)',
      ),
    );
  }
  if (!s.starttlsOffered) {
    report(
      fail(
        where,
        'STARTTLS not offered: mail to this host travels in clear',
        'enable STARTTLS with a valid certificate',
      ),
    );
    return;
  }
  judgeCert(t, s, where, report);
  await probes(ctx, t, where, report);
}

function judgeCert(t: Target, s: TlsSession, where: string, report: (f: Finding) => void): void {
  const leaf = s.chain[0];
  if (!leaf) {
    report(fail(where, 'no certificate presented', 'configure a certificate'));
    return;
  }
  const e = s.authorizationError;
  if (e === 'CERT_HAS_EXPIRED' || leaf.daysLeft < 0) {
    report(
      fail(
        where,
        `certificate expired on ${leaf.validTo.slice(0, 10)}`,
        'renew the certificate (and automate renewal, e.g. ACME)',
      ),
    );
  } else if (e && /SELF_SIGNED/.test(e)) {
    report(
      fail(
        where,
        `certificate is self-signed (${e})`,
        "use a certificate from a public CA (e.g. Let's Encrypt)",
      ),
    );
  } else if (e) {
    report(
      fail(
        where,
        `certificate chain does not verify (${e})`,
        'serve the full chain (leaf + intermediates) from a public CA',
      ),
    );
  }
  if (s.hostnameError) {
    report(
      fail(
        where,
        `certificate does not match ${t.host}: ${s.hostnameError}`,
        `get a certificate that names ${t.host} in subjectAltName`,
      ),
    );
  }
  if (leaf.daysLeft >= 0 && leaf.daysLeft < 30) {
    report(
      warn(
        where,
        `certificate expires in ${leaf.daysLeft} days (${leaf.validTo.slice(0, 10)})`,
        'renew it now',
      ),
    );
  }
  if (leaf.keyType === 'rsa' && (leaf.keyBits ?? 0) < 2048) {
    report(
      fail(
        where,
        `RSA key of ${leaf.keyBits} bits`,
        'use an RSA key of at least 2048 bits or an ECDSA P-256 key',
      ),
    );
  }
  if (!e && !s.hostnameError && leaf.daysLeft >= 30) {
    const key = leaf.keyBits
      ? `${leaf.keyType.toUpperCase()} ${leaf.keyBits}`
      : `${leaf.keyType.toUpperCase()} ${leaf.curve ?? ''}`.trim();
    report(
      pass(
        where,
        `${s.protocol} ${s.cipher}; certificate valid for ${t.host} until ${leaf.validTo.slice(0, 10)}; ${key}`,
      ),
    );
  } else {
    report(info(where, `negotiated ${s.protocol} ${s.cipher}`));
  }
  if (s.cipher && /CBC|RC4|3DES|_DES_|NULL|EXPORT|MD5/.test(s.cipher) && !/TLS_AES|CHACHA/.test(s.cipher)) {
    report(
      warn(
        where,
        `a modern client negotiated ${s.cipher}`,
        'prefer AEAD ciphers (AES-GCM, ChaCha20-Poly1305) with ECDHE',
      ),
    );
  }
}

/** Handshakes a server should refuse: SSLv3, TLS 1.0, TLS 1.1, and the broken cipher families. */
async function probes(
  ctx: AuditContext,
  t: Target,
  where: string,
  report: (f: Finding) => void,
): Promise<void> {
  const servername = isIP(t.host) ? undefined : t.host;
  const asked = (e: unknown): HelloAnswer => ({
    kind: 'other',
    detail: e instanceof Error ? e.message : String(e),
  });
  // SECLEVEL=0: OpenSSL 3 otherwise refuses old protocols on the client side, and a local
  // refusal would look like the server refusing. SSLv3 and the weak ciphers are not in
  // Node's OpenSSL at all, so they are offered in hand-made ClientHellos instead.
  const [v10, v11, ssl3, weak] = await Promise.all([
    tryHandshake(t, ctx.probe, { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    tryHandshake(t, ctx.probe, {
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    }),
    rawHello(t, ctx.probe, clientHello(SSL3, ssl3Suites)).catch(asked),
    rawHello(t, ctx.probe, clientHello(TLS12, Object.keys(weakSuites).map(Number), servername)).catch(asked),
  ]).catch((e: unknown) => {
    report(info(where, `protocol probes interrupted: ${e instanceof Error ? e.message : String(e)}`));
    return [];
  });
  if (!v10 || !v11 || !ssl3 || !weak) return;
  const versions = [
    ['SSLv3', ssl3.kind === 'server-hello' && ssl3.version === SSL3 ? 'accepted' : 'refused'],
    ['TLS 1.0', v10.result],
    ['TLS 1.1', v11.result],
  ] as const;
  const accepted = versions.filter(([, r]) => r === 'accepted').map(([n]) => n);
  if (accepted.length > 0) {
    report(
      fail(
        where,
        `accepts ${accepted.join(', ')}`,
        'allow only TLS 1.2 and 1.3 (Postfix: smtpd_tls_protocols = >=TLSv1.2)',
      ),
    );
  }
  for (const [n, o] of [
    ['TLS 1.0', v10],
    ['TLS 1.1', v11],
  ] as const) {
    if (o.result === 'untestable')
      report(info(where, `${n} not tested: this machine's OpenSSL will not offer it (${o.reason})`));
  }
  if (accepted.length === 0 && v10.result === 'refused' && v11.result === 'refused') {
    report(pass(where, 'refuses SSLv3, TLS 1.0 and TLS 1.1'));
  }
  if (weak.kind === 'server-hello' && weakSuites[weak.suite]) {
    report(
      fail(
        where,
        `accepts the weak cipher ${weakSuites[weak.suite]}`,
        'allow only AEAD ciphers with forward secrecy (no RC4, 3DES, DES, EXPORT, NULL, anonymous)',
      ),
    );
  } else if (weak.kind === 'other') {
    report(info(where, `weak-cipher probe inconclusive: ${weak.detail}`));
  } else {
    report(pass(where, 'refuses RC4, 3DES, DES, EXPORT, NULL and anonymous ciphers'));
  }
}
