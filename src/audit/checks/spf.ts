/**
 * SPF: exactly one record, valid syntax, at most 10 DNS-querying terms over the whole
 * include tree, no +all / ?all, and the sending addresses (--ip) are covered. MX
 * addresses that SPF does not cover are mentioned (many MX hosts never send).
 */
import { fail, info, pass, warn } from '../result.js';
import type { Check } from '../run.js';
import { evaluateSpf, isSpf, parseSpf, type SpfDns, walkSpf } from '../spf.js';

export const spf: Check = {
  name: 'spf',
  title: 'SPF',
  async run(ctx, report) {
    const d = ctx.domain;
    const txt = await ctx.dns.txt(d);
    const recs = txt.records.filter(isSpf);
    if (recs.length === 0) {
      report(
        fail(
          d,
          'no SPF record: anyone can send mail claiming to be from this domain',
          `publish e.g. "${d}. TXT \\"v=spf1 mx -all\\""`,
        ),
      );
      return;
    }
    if (recs.length > 1) {
      report(
        fail(
          d,
          `${recs.length} SPF records: receivers treat this as a permanent error`,
          'merge them into one v=spf1 record',
        ),
      );
      return;
    }
    const rec = parseSpf(recs[0]);
    for (const e of rec.errors) report(fail(d, `syntax: ${e}`, 'fix the record (RFC 7208 §12 grammar)'));
    const dns: SpfDns = {
      txt: (n) => ctx.dns.txt(n),
      addresses: (n) => ctx.dns.addresses(n),
      mx: (n) => ctx.dns.mx(n),
    };
    const w = await walkSpf(d, rec, dns);
    for (const e of w.errors) report(fail(d, e, 'fix or remove that include/redirect'));
    if (w.lookups > 10) {
      report(
        fail(
          d,
          `${w.lookups} DNS-querying terms (limit 10): receivers answer permerror`,
          'flatten includes into ip4:/ip6: ranges or drop unused ones',
        ),
      );
    } else {
      report(pass(d, `${w.lookups} DNS-querying terms (limit 10)`));
    }
    if (w.voidLookups > 2) {
      report(
        warn(
          d,
          `${w.voidLookups} void lookups (limit 2)`,
          'remove terms that point at names without records',
        ),
      );
    }
    const all = rec.terms.find((t) => t.mechanism === 'all');
    if (all?.qualifier === '+')
      report(
        fail(
          d,
          '"+all": every host on the internet may send as this domain',
          'end the record with -all (or ~all while testing)',
        ),
      );
    else if (all?.qualifier === '?')
      report(
        warn(
          d,
          '"?all": unlisted senders are neutral, SPF protects nothing',
          'end the record with -all or ~all',
        ),
      );
    else if (!all && !rec.redirect)
      report(
        warn(d, 'no "all" term and no redirect: unlisted senders are neutral', 'end the record with -all'),
      );
    else if (all) report(pass(d, `ends with ${all.qualifier}all`));
    if (recs[0].length > 450)
      report(
        warn(d, `record is ${recs[0].length} bytes: large answers may be truncated`, 'shorten the record'),
      );

    for (const ip of ctx.opts.ips ?? []) {
      const r = await evaluateSpf(ip, d, dns);
      if (r === 'pass') report(pass(ip, 'sending address is allowed by SPF'));
      else
        report(
          fail(
            ip,
            `sending address gets SPF ${r}`,
            `add ip${ip.includes(':') ? '6' : '4'}:${ip} (or the mechanism that covers it) to the record`,
          ),
        );
    }
    const mx = await ctx.mx();
    for (const a of mx.hosts.flatMap((h) => h.addresses)) {
      const r = await evaluateSpf(a, d, dns);
      if (r !== 'pass')
        report(info(a, `MX address gets SPF ${r} (fine if the MX never sends mail for ${d})`));
    }
  },
};
