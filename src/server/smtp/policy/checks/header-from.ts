/** An authenticated user's header From must be one of its addresses too (not only the envelope). */
import { Replies } from '../../../../proto/smtp-reply.js';
import type { Check } from '../check.js';
import { headerAddresses, headerValue, sendableBy } from '../identity.js';
import { pass, reject } from '../verdict.js';

export const check: Check = {
  name: 'header-from',
  stage: 'data',
  order: 10,
  async run(ctx) {
    if (!ctx.session.user || !ctx.message) return pass('not-authenticated');
    const from = headerValue(ctx.message.spool.head(), 'From');
    if (from === undefined) return pass('no-from-header');
    const allowed = await sendableBy(ctx);
    const bad = headerAddresses(from).find((a) => !allowed.has(a));
    if (bad !== undefined) return reject('header-from-not-owned', Replies.headerFromNotOwned);
    return pass('header-from-owned');
  },
};
