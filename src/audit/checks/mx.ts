/**
 * MX: the domain publishes mail hosts (or a null MX saying it takes no mail), each target
 * is a real host name with addresses (not a CNAME), and each answers SMTP.
 */
import { AuditContext } from '../context.js';
import { fail, info, pass, warn } from '../result.js';
import type { Check } from '../run.js';

export const mx: Check = {
  name: 'mx',
  title: 'MX records',
  async run(ctx, report) {
    const set = await ctx.mx();
    const d = ctx.domain;
    if (set.nullMx) {
      report(info(d, 'null MX ("0 ."): the domain says it accepts no mail'));
      return;
    }
    if (set.rcode !== 'NOERROR') {
      report(
        fail(d, `MX lookup answered ${set.rcode}`, 'fix the zone so that the domain answers MX queries'),
      );
      return;
    }
    if (set.hosts.length === 0) {
      report(
        fail(
          d,
          'no MX record and no address: nobody can deliver mail to this domain',
          `publish "${d}. MX 10 mail.${d}."`,
        ),
      );
      return;
    }
    if (set.hosts[0].implicit) {
      report(
        warn(
          d,
          'no MX record; mail falls back to the A/AAAA of the domain itself',
          `publish an explicit MX for ${d}`,
        ),
      );
    } else {
      report(
        pass(d, `${set.hosts.length} MX: ${set.hosts.map((h) => `${h.priority} ${h.name}`).join(', ')}`),
      );
    }
    await Promise.all(
      set.hosts.map(async (h) => {
        if (h.cname) {
          report(
            fail(
              h.name,
              `MX target is a CNAME (to ${h.cname})`,
              'point the MX at the canonical host name (RFC 2181 §10.3)',
            ),
          );
        }
        if (h.addresses.length === 0) {
          report(fail(h.name, 'MX target has no A/AAAA address', `add an A or AAAA record for ${h.name}`));
          return;
        }
        await Promise.all(
          h.addresses.map(async (a) => {
            const g = await ctx.greeting(a);
            const where = AuditContext.fmt(h.name, a, ctx.smtpPort);
            if (g.error) {
              report(
                fail(
                  where,
                  `SMTP does not work: ${g.error}`,
                  `make port ${ctx.smtpPort} reachable from the internet and answer SMTP`,
                ),
              );
            } else {
              report(pass(where, `answers SMTP: ${g.banner?.code} ${g.banner?.lines[0] ?? ''}`.trim()));
            }
          }),
        );
      }),
    );
  },
};
