/** TLS-RPT (RFC 8460): a _smtp._tls record asking for reports on TLS failures. */
import { parseTags } from '../records.js';
import { fail, pass, warn } from '../result.js';
import type { Check } from '../run.js';

export const tlsRpt: Check = {
  name: 'tls-rpt',
  title: 'TLS-RPT',
  async run(ctx, report) {
    const name = `_smtp._tls.${ctx.domain}`;
    const recs = (await ctx.dns.txt(name)).records.filter((r) => /^v\s*=\s*TLSRPTv1/i.test(r));
    if (recs.length === 0) {
      report(
        warn(
          name,
          'no TLS-RPT record: you will not hear about TLS failures delivering to you',
          `publish ${name} TXT "v=TLSRPTv1; rua=mailto:tls-reports@${ctx.domain}"`,
        ),
      );
      return;
    }
    if (recs.length > 1) {
      report(fail(name, `${recs.length} TLS-RPT records`, 'keep exactly one'));
      return;
    }
    const { tags, errors } = parseTags(recs[0]);
    const rua = (tags.get('rua') ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    if (rua.length === 0) errors.push('no rua=');
    for (const u of rua)
      if (!/^(mailto:[^@\s]+@\S+|https:\/\/\S+)$/i.test(u))
        errors.push(`rua "${u}" is not mailto: or https:`);
    if (errors.length > 0)
      for (const e of errors) report(fail(name, `syntax: ${e}`, 'fix the record (RFC 8460 §3)'));
    else report(pass(name, `reports to ${rua.join(', ')}`));
  },
};
