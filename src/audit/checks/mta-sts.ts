/**
 * MTA-STS (RFC 8461): the _mta-sts TXT record, the policy file fetched over HTTPS from
 * mta-sts.DOMAIN with a valid certificate, its mode, and every MX matching a pattern.
 */
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { AuditContext } from '../context.js';
import { mxMatches, parseMtaStsPolicy, parseTags } from '../records.js';
import { fail, pass, warn } from '../result.js';
import type { Check } from '../run.js';

export const mtaSts: Check = {
  name: 'mta-sts',
  title: 'MTA-STS',
  async run(ctx, report) {
    const d = ctx.domain;
    const name = `_mta-sts.${d}`;
    const recs = (await ctx.dns.txt(name)).records.filter((r) => /^v\s*=\s*STSv1/i.test(r));
    if (recs.length === 0) {
      report(
        warn(
          name,
          'no MTA-STS record: senders cannot insist on TLS to your MX',
          `publish a policy at https://mta-sts.${d}/.well-known/mta-sts.txt and ${name} TXT "v=STSv1; id=…"`,
        ),
      );
      return;
    }
    if (recs.length > 1) report(fail(name, `${recs.length} MTA-STS records`, 'keep exactly one'));
    const { tags, errors } = parseTags(recs[0]);
    if (!/^[A-Za-z0-9]{1,32}$/.test(tags.get('id') ?? ''))
      errors.push('id= missing or not 1–32 letters/digits');
    for (const e of errors) report(fail(name, `syntax: ${e}`, 'fix the record (RFC 8461 §3.1)'));
    const host = `mta-sts.${d}`;
    let text: string;
    try {
      text = await fetchPolicy(ctx, host);
    } catch (e) {
      report(
        fail(
          `https://${host}/.well-known/mta-sts.txt`,
          `policy not retrievable: ${e instanceof Error ? e.message : String(e)}`,
          'serve the policy over HTTPS with a valid certificate for mta-sts.' + d,
        ),
      );
      return;
    }
    const p = parseMtaStsPolicy(text);
    const where = `https://${host}/.well-known/mta-sts.txt`;
    for (const e of p.errors) report(fail(where, `policy: ${e}`, 'fix the policy file (RFC 8461 §3.2)'));
    if (p.mode === 'enforce') report(pass(where, `mode enforce, max_age ${p.maxAge}`));
    else if (p.mode)
      report(
        warn(
          where,
          `mode ${p.mode}: senders do not enforce TLS yet`,
          'switch to mode: enforce when TLS-RPT reports are clean',
        ),
      );
    const mx = await ctx.mx();
    for (const h of mx.hosts) {
      if (!p.mx.some((pat) => mxMatches(pat, h.name))) {
        report(
          fail(
            h.name,
            'MX not covered by any mx: line of the MTA-STS policy: senders in enforce mode will refuse it',
            `add "mx: ${h.name}" to the policy`,
          ),
        );
      }
    }
  },
};

/** GET the policy, connecting to the address our resolver gives (not the system's). */
async function fetchPolicy(ctx: AuditContext, host: string): Promise<string> {
  const addrs = (await ctx.dns.addresses(host)).records;
  if (addrs.length === 0) throw new Error(`${host} has no address`);
  const ca = ctx.opts.ca && ctx.opts.ca.length > 0 ? [...rootCertificates, ...ctx.opts.ca] : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: addrs[0],
        servername: host,
        port: ctx.opts.httpsPort ?? 443,
        path: '/.well-known/mta-sts.txt',
        headers: { host },
        ca,
        timeout: ctx.timeoutMs,
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode}`));
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
          if (body.length > 64 * 1024) req.destroy(new Error('policy larger than 64 KiB'));
        });
        res.on('end', () => resolve(body));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ctx.timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
