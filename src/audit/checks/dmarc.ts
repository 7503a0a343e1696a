/**
 * DMARC: one valid record at _dmarc, a policy that protects (none warns), reports asked
 * for (rua), pct 100, a subdomain policy that is not weaker, and external report
 * destinations that authorised receiving reports (RFC 7489 §7.1).
 */

import type { AuditContext } from '../context.js';
import { mailtoDomain, parseDmarc } from '../records.js';
import type { Finding } from '../result.js';
import { fail, info, pass, warn } from '../result.js';
import type { Check } from '../run.js';

/**
 * A subdomain without its own record falls under its organisational domain's record
 * (RFC 7489 §6.6.3), with sp= if given. The zone apex stands in for the organisational
 * domain (no public-suffix list here). True when such a record decided the check.
 */
async function inherited(ctx: AuditContext, report: (f: Finding) => void): Promise<boolean> {
  const apex = (await ctx.dns.zoneOf(ctx.domain)).zone;
  if (!apex || apex === ctx.domain || !ctx.domain.endsWith(`.${apex}`)) return false;
  const name = `_dmarc.${apex}`;
  const recs = (await ctx.dns.txt(name)).records.filter((r) => /^v\s*=\s*DMARC1/i.test(r));
  if (recs.length !== 1) return false;
  const r = parseDmarc(recs[0]);
  const effective = r.subdomainPolicy ?? r.policy;
  if (r.errors.length > 0 || !effective) return false;
  const what = `no record of its own; ${name} applies to subdomains with ${r.subdomainPolicy ? 'sp' : 'p'}=${effective}`;
  if (effective === 'none')
    report(
      warn(
        `_dmarc.${ctx.domain}`,
        what,
        `set sp=quarantine or reject at ${name}, or publish a record for ${ctx.domain}`,
      ),
    );
  else report(pass(`_dmarc.${ctx.domain}`, what));
  return true;
}

export const dmarc: Check = {
  name: 'dmarc',
  title: 'DMARC',
  async run(ctx, report) {
    const d = ctx.domain;
    const name = `_dmarc.${d}`;
    const recs = (await ctx.dns.txt(name)).records.filter((r) => /^v\s*=\s*DMARC1/i.test(r));
    if (recs.length === 0 && (await inherited(ctx, report))) return;
    if (recs.length === 0) {
      report(
        fail(
          name,
          'no DMARC record: receivers have no policy for mail that fails SPF/DKIM',
          `publish ${name} TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@${d}"`,
        ),
      );
      return;
    }
    if (recs.length > 1) {
      report(fail(name, `${recs.length} DMARC records: receivers ignore them all`, 'keep exactly one'));
      return;
    }
    const r = parseDmarc(recs[0]);
    for (const e of r.errors) report(fail(name, `syntax: ${e}`, 'fix the record (RFC 7489 §6.4)'));
    if (r.policy === 'none')
      report(
        warn(
          name,
          'p=none: failing mail is delivered anyway (monitoring only)',
          'move to p=quarantine, then p=reject, once reports look clean',
        ),
      );
    else if (r.policy) report(pass(name, `p=${r.policy}`));
    if (r.policy && r.policy !== 'none' && r.subdomainPolicy === 'none') {
      report(warn(name, 'sp=none: subdomains are unprotected', 'remove sp= or set it to quarantine/reject'));
    }
    if (r.pct < 100)
      report(warn(name, `pct=${r.pct}: the policy applies to only part of failing mail`, 'raise pct to 100'));
    if (r.rua.length === 0)
      report(warn(name, 'no rua=: you receive no aggregate reports', `add rua=mailto:dmarc-reports@${d}`));
    else report(pass(name, `aggregate reports to ${r.rua.join(', ')}`));
    if (r.ruf.length > 0) report(info(name, `failure reports to ${r.ruf.join(', ')}`));
    const external = [...new Set([...r.rua, ...r.ruf].map(mailtoDomain))].filter(
      (x): x is string => x !== undefined && x !== d && !x.endsWith(`.${d}`) && !d.endsWith(`.${x}`),
    );
    await Promise.all(
      external.map(async (x) => {
        const auth = `${d}._report._dmarc.${x}`;
        const ok = (await ctx.dns.txt(auth)).records.some((t) => /^v\s*=\s*DMARC1/i.test(t));
        if (ok) report(pass(auth, `${x} accepts reports for ${d}`));
        else
          report(
            fail(
              auth,
              `reports go to ${x}, which has not authorised them: they will not be sent`,
              `ask ${x} to publish ${auth} TXT "v=DMARC1"`,
            ),
          );
      }),
    );
  },
};
