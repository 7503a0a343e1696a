/**
 * DNSSEC: the domain's zone is signed (DNSKEY), delegated securely (a DS in the parent
 * matching a key) and validates (AD from a validating resolver; SERVFAIL that goes away
 * with checking disabled means bogus). The same, briefly, for each MX host's zone —
 * DANE needs it.
 */
import { dsMatches, keyTag } from '../../dns/dnssec.js';
import type { AuditContext } from '../context.js';
import { type Finding, fail, info, pass, warn } from '../result.js';
import type { Check } from '../run.js';

export const dnssec: Check = {
  name: 'dnssec',
  title: 'DNSSEC',
  async run(ctx, report) {
    const z = await ctx.dns.zoneOf(ctx.domain);
    const zone = z.zone ?? ctx.domain;
    await zoneCheck(ctx, zone, ctx.domain, report, true);
    const mx = await ctx.mx();
    const others = new Map<string, string>();
    for (const h of mx.hosts) {
      const hz = (await ctx.dns.zoneOf(h.name)).zone;
      if (hz && hz !== zone && !others.has(hz)) others.set(hz, h.name);
    }
    await Promise.all([...others].map(([hz, host]) => zoneCheck(ctx, hz, host, report, false)));
  },
};

async function zoneCheck(
  ctx: AuditContext,
  zone: string,
  name: string,
  report: (f: Finding) => void,
  main: boolean,
) {
  const label = main ? zone : `${zone} (zone of MX ${name})`;
  const soa = await ctx.dns.query(zone, 'SOA');
  if (soa.rcode === 'SERVFAIL') {
    const cd = await ctx.dns.query(zone, 'SOA', { cd: true }).catch(() => undefined);
    if (cd && cd.rcode === 'NOERROR') {
      report(
        fail(
          label,
          'DNSSEC validation fails (bogus): validating resolvers return SERVFAIL for the whole zone',
          'fix the signatures (expired RRSIGs?) or the DS in the parent; re-sign the zone',
        ),
      );
      return;
    }
    report(fail(label, 'resolver answers SERVFAIL for the zone', "check the zone's name servers"));
    return;
  }
  const keys = (await ctx.dns.dnskey(zone)).records;
  if (keys.length === 0) {
    const f = main ? warn : info;
    report(
      f(
        label,
        'zone is not signed (no DNSKEY): answers can be forged',
        'sign the zone (DNSSEC) and publish the DS at the registrar',
      ),
    );
    return;
  }
  if (soa.ad) {
    report(pass(label, `signed and validated by the resolver (AD), ${keys.length} DNSKEY`));
    return;
  }
  const ds = (await ctx.dns.ds(zone)).records;
  if (ds.length === 0) {
    report(
      warn(
        label,
        'zone is signed but the parent has no DS: resolvers treat it as unsigned',
        'publish the DS record at the registrar (ldns-key2ds / dnssec-dsfromkey)',
      ),
    );
    return;
  }
  const matched = ds.filter((d) => keys.some((k) => dsMatches(zone, d, k)));
  if (matched.length === 0) {
    report(
      fail(
        label,
        `no DS in the parent matches a DNSKEY (DS tags ${ds.map((d) => d.keyTag).join(', ')}; keys ${keys.map(keyTag).join(', ')})`,
        'update the DS at the registrar to the current KSK',
      ),
    );
    return;
  }
  report(pass(label, `DS tag ${matched[0].keyTag} in the parent matches a DNSKEY`));
  report(
    info(
      label,
      'the resolver did not set AD: signatures not validated here',
      'use a validating resolver (--resolver) to confirm validation',
    ),
  );
}
