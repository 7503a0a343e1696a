/**
 * Inbound SPF, DKIM, DMARC and ARC (mailauth, DNS through our Resolver) on the MX listener.
 * Adds Authentication-Results; a DMARC failure under p=reject / p=quarantine is rejected,
 * filed in Junk or only noted, per smtp.dmarc_reject_action / dmarc_quarantine_action.
 */
import { authenticate } from 'mailauth';
import type { Resolver } from '../../../../dns/resolver.js';
import { Replies } from '../../../../proto/smtp-reply.js';
import { mailauthResolver } from '../../mailauth-dns.js';
import { installMailauthPatch } from '../../mailauth-patch.js';
import type { Check } from '../check.js';
import { junk, pass, reject, type Verdict } from '../verdict.js';

/** One adapter (and so one answer cache) per daemon resolver. */
const adapters = new WeakMap<Resolver, ReturnType<typeof mailauthResolver>>();
function dnsFor(r: Resolver) {
  let a = adapters.get(r);
  if (!a) {
    a = mailauthResolver(r);
    adapters.set(r, a);
  }
  return a;
}

installMailauthPatch();

export const check: Check = {
  name: 'sender-auth',
  stage: 'data',
  order: 50,
  timeoutMs: 30_000,
  enabled: (config, listener) => listener === 'smtp' && config.smtp.verify_sender_auth,
  async run(ctx): Promise<Verdict> {
    if (ctx.session.user || !ctx.message) return pass('authenticated-sender');
    const { config, resolver } = ctx.daemon;
    const res = await authenticate(ctx.message.spool.inMemory() ?? ctx.message.spool.stream(), {
      ip: ctx.session.remoteAddress,
      helo: ctx.session.helo,
      sender: ctx.sender?.parsed?.address ?? '',
      mta: config.hostname,
      resolver: dnsFor(resolver),
      disableBimi: true,
    });
    const dmarc = res.dmarc || undefined;
    ctx.senderAuth = {
      headers: res.headers,
      spf: res.spf ? res.spf.status?.result : undefined,
      dkim: res.dkim.results?.map((r) => r.status?.result).join(',') || 'none',
      dmarc: dmarc?.status?.result,
      dmarcPolicy: dmarc?.policy,
      arc: res.arc ? res.arc.status?.result : undefined,
    };
    if (dmarc?.status?.result !== 'fail') return pass(`dmarc-${dmarc?.status?.result ?? 'none'}`);
    const action =
      dmarc.policy === 'reject'
        ? config.smtp.dmarc_reject_action
        : dmarc.policy === 'quarantine'
          ? config.smtp.dmarc_quarantine_action
          : 'none';
    if (action === 'reject') return reject('dmarc-reject', Replies.dmarcReject);
    if (action === 'junk') return junk('dmarc-quarantine');
    return pass('dmarc-fail-noted');
  },
};
