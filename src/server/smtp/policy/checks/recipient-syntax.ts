/** RCPT TO must be a plain address: relay tricks (%-hack, bang paths, source routes …) are refused as relaying. */
import { relayTricks } from '../../../../proto/smtp-address.js';
import { Replies } from '../../../../proto/smtp-reply.js';
import type { Check } from '../check.js';
import { pass, reject } from '../verdict.js';

export const check: Check = {
  name: 'recipient-syntax',
  stage: 'rcpt',
  order: 10,
  run(ctx) {
    const p = ctx.rcpt?.parsed;
    if (!p) return reject('bad-recipient-syntax', Replies.badRecipientSyntax);
    if (p.ok) return pass('recipient-syntax-ok');
    if (relayTricks.has(p.problem)) return reject(p.problem, Replies.relayTrick);
    if (p.problem === 'address-literal') return reject('address-literal', Replies.relayDenied);
    return reject('bad-recipient-syntax', Replies.badRecipientSyntax, p.problem);
  },
};
