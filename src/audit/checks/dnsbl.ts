/**
 * DNSBL: every MX address and --ip sending address against IP blocklists, the domain
 * against domain blocklists. A listing fails with the list's TXT reason; a list that does
 * not answer (or refuses public resolvers, 127.255.255.x) is noted, not failed.
 */
import { isIPv4 } from 'node:net';
import { reverseName } from '../../dns/lookup.js';
import { AuditContext, defaultDnsbl, defaultDomainBlocklists } from '../context.js';
import { type Finding, fail, info, pass } from '../result.js';
import type { Check } from '../run.js';

export const dnsbl: Check = {
  name: 'dnsbl',
  title: 'DNS blocklists',
  async run(ctx, report) {
    const lists = ctx.opts.dnsbl ?? defaultDnsbl;
    const domainLists = ctx.opts.domainBlocklists ?? defaultDomainBlocklists;
    const mx = await ctx.mx();
    const addrs = new Map<string, string>();
    for (const h of mx.hosts) for (const a of h.addresses) addrs.set(a, AuditContext.fmt(h.name, a));
    for (const ip of ctx.opts.ips ?? []) addrs.set(ip, ip);
    const jobs: Promise<void>[] = [];
    for (const [ip, where] of addrs) {
      for (const list of lists)
        jobs.push(
          lookup(
            ctx,
            `${reverseName(ip)}.${list}`,
            where,
            list,
            report,
            isIPv4(ip) ? 'address' : 'IPv6 address',
          ),
        );
    }
    for (const list of domainLists)
      jobs.push(lookup(ctx, `${ctx.domain}.${list}`, ctx.domain, list, report, 'domain'));
    await Promise.all(jobs);
  },
};

async function lookup(
  ctx: AuditContext,
  q: string,
  where: string,
  list: string,
  report: (f: Finding) => void,
  what: string,
) {
  try {
    const a = await ctx.dns.a(q);
    const codes = a.records.filter((x) => x.startsWith('127.'));
    if (codes.length === 0) {
      report(pass(where, `not listed on ${list}`));
      return;
    }
    if (codes.every((c) => c.startsWith('127.255.255.') || c === '127.0.1.255')) {
      report(
        info(
          where,
          `${list} refused the query (${codes.join(', ')}): it blocks public resolvers or needs a key`,
        ),
      );
      return;
    }
    const txt = (await ctx.dns.txt(q).catch(() => undefined))?.records.join(' ') ?? '';
    report(
      fail(
        where,
        `${what} listed on ${list} (${codes.join(', ')})${txt ? `: ${txt}` : ''}`,
        `find out why (the reason above), fix the cause, then request delisting at ${list}`,
      ),
    );
  } catch (e) {
    report(info(where, `${list} did not answer: ${e instanceof Error ? e.message : String(e)}`));
  }
}
