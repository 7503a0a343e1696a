/**
 * Reverse DNS: every MX address (and every --ip sending address) has a PTR, the PTR name
 * resolves back to the address (forward-confirmed), and for MX hosts the name matches
 * what the server calls itself in its banner and EHLO reply.
 */
import { AuditContext } from '../context.js';
import { fail, pass, warn } from '../result.js';
import type { Check } from '../run.js';

export const ptr: Check = {
  name: 'ptr',
  title: 'Reverse DNS (PTR)',
  async run(ctx, report) {
    const mx = await ctx.mx();
    const targets = [
      ...mx.hosts.flatMap((h) => h.addresses.map((a) => ({ host: h.name, address: a, isMx: true }))),
      ...(ctx.opts.ips ?? []).map((a) => ({ host: a, address: a, isMx: false })),
    ];
    await Promise.all(
      targets.map(async (t) => {
        const where = AuditContext.fmt(t.host, t.address);
        const names = (await ctx.dns.ptr(t.address)).records;
        if (names.length === 0) {
          report(
            fail(
              where,
              'no PTR record',
              `ask whoever owns ${t.address} (your provider) to set its PTR to ${t.isMx ? t.host : 'the sending host name'}`,
            ),
          );
          return;
        }
        const confirmed: string[] = [];
        for (const n of names) {
          if ((await ctx.dns.addresses(n)).records.includes(t.address)) confirmed.push(n);
        }
        if (confirmed.length === 0) {
          report(
            fail(
              where,
              `PTR ${names.join(', ')} does not resolve back to ${t.address}`,
              `add an A/AAAA record ${names[0]} → ${t.address} (forward-confirmed reverse DNS)`,
            ),
          );
          return;
        }
        if (names.length > 1)
          report(
            warn(
              where,
              `${names.length} PTR records (${names.join(', ')})`,
              'keep exactly one PTR per address',
            ),
          );
        if (!t.isMx) {
          report(pass(where, `PTR ${confirmed[0]}, forward-confirmed`));
          return;
        }
        const g = await ctx.greeting(t.address);
        const claimed = [g.bannerName, g.ehloName].filter((x): x is string => Boolean(x));
        if (g.error || claimed.length === 0) {
          report(
            pass(
              where,
              `PTR ${confirmed[0]}, forward-confirmed (banner not checked: ${g.error ?? 'no name'})`,
            ),
          );
        } else if (claimed.every((c) => confirmed.includes(c))) {
          report(pass(where, `PTR ${confirmed[0]}, forward-confirmed, matches the banner/EHLO name`));
        } else {
          report(
            warn(
              where,
              `PTR ${confirmed[0]} but the server calls itself ${[...new Set(claimed)].join(' / ')}`,
              `set the server's host name (banner and EHLO) to ${confirmed[0]}`,
            ),
          );
        }
      }),
    );
  },
};
