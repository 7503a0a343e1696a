/**
 * DANE (RFC 7672): TLSA records at _25._tcp.MX, when published, must be DNSSEC-validated
 * and match the certificate each MX address presents — a mismatch makes DANE senders
 * refuse to deliver. (The TLSA name uses port 25 even when --smtp-port points elsewhere.)
 */
import { createHash } from 'node:crypto';
import type { TlsaData } from 'dns-packet';
import { AuditContext } from '../context.js';
import { type Finding, fail, info, pass, warn } from '../result.js';
import type { Check } from '../run.js';
import type { CertInfo } from '../tls-probe.js';

export function tlsaMatches(t: TlsaData, chain: CertInfo[]): boolean {
  const candidates =
    t.usage === 1 || t.usage === 3 ? chain.slice(0, 1) : chain.slice(1).length > 0 ? chain.slice(1) : chain;
  return candidates.some((c) => {
    const data = t.selector === 1 ? c.spki : c.raw;
    const want =
      t.matchingType === 1 ? sha('sha256', data) : t.matchingType === 2 ? sha('sha512', data) : data;
    return want.equals(t.certificate);
  });
}

function sha(alg: string, b: Buffer): Buffer {
  return createHash(alg).update(b).digest();
}

export const dane: Check = {
  name: 'dane',
  title: 'DANE (TLSA)',
  async run(ctx, report) {
    const mx = await ctx.mx();
    let published = 0;
    await Promise.all(
      mx.hosts.map(async (h) => {
        const name = `_25._tcp.${h.name}`;
        const tlsa = await ctx.dns.tlsa(name);
        if (tlsa.records.length === 0) return;
        published++;
        if (!tlsa.ad) {
          report(
            warn(
              name,
              'TLSA records are not DNSSEC-validated (no AD): DANE senders ignore them',
              "sign the MX host's zone and publish its DS; check with a validating resolver",
            ),
          );
        }
        const eps = (await ctx.mxEndpoints()).filter((e) => e.host === h.name);
        await Promise.all(eps.map((ep) => matchOne(ctx, name, ep, tlsa.records, report)));
      }),
    );
    if (published === 0 && mx.hosts.length > 0) {
      report(
        info(
          ctx.domain,
          'no TLSA records for the MX hosts (DANE not used)',
          'with a DNSSEC-signed zone, publish "_25._tcp.MX TLSA 3 1 1 <sha256 of the key>"',
        ),
      );
    }
  },
};

async function matchOne(
  ctx: AuditContext,
  name: string,
  ep: Awaited<ReturnType<AuditContext['mxEndpoints']>>[number],
  records: TlsaData[],
  report: (f: Finding) => void,
) {
  const where = AuditContext.fmt(ep.host, ep.address, ep.port);
  try {
    const s = await ctx.tls(ep);
    if (!s.starttlsOffered) {
      report(
        fail(
          where,
          'TLSA published but STARTTLS not offered: DANE senders will not deliver',
          'enable STARTTLS',
        ),
      );
      return;
    }
    const hit = records.find((t) => tlsaMatches(t, s.chain));
    if (hit) report(pass(where, `certificate matches TLSA ${hit.usage} ${hit.selector} ${hit.matchingType}`));
    else
      report(
        fail(
          where,
          `no TLSA record at ${name} matches the certificate: DANE senders will not deliver`,
          'publish a TLSA for the current key (before rotating keys, publish both)',
        ),
      );
  } catch (e) {
    report(
      fail(
        where,
        `TLSA published but TLS not reachable: ${e instanceof Error ? e.message : String(e)}`,
        'make STARTTLS work on the MX',
      ),
    );
  }
}
