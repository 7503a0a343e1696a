/** An authenticated user may only use envelope senders that belong to it (own, alias, granted). */
import { Replies } from '../../../../proto/smtp-reply.js';
import type { Check } from '../check.js';
import { sendableBy } from '../identity.js';
import { accept, pass, reject } from '../verdict.js';

export const check: Check = {
  name: 'sender-identity',
  stage: 'mail',
  order: 20,
  async run(ctx) {
    if (!ctx.session.user) return pass('not-authenticated');
    const addr = ctx.sender?.parsed?.address.toLowerCase();
    if (!addr) return reject('sender-not-owned', Replies.senderNotOwned, 'null sender');
    const allowed = await sendableBy(ctx);
    if (!allowed.has(addr)) return reject('sender-not-owned', Replies.senderNotOwned);
    return accept('sender-owned');
  },
};
