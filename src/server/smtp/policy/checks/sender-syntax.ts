/** MAIL FROM must be the null sender or a well-formed address. */
import { Replies } from '../../../../proto/smtp-reply.js';
import type { Check } from '../check.js';
import { pass, reject } from '../verdict.js';

export const check: Check = {
  name: 'sender-syntax',
  stage: 'mail',
  order: 10,
  run(ctx) {
    const s = ctx.sender;
    if (!s || s.raw === '') return pass('null-sender');
    if (!s.parsed) return reject('bad-sender-syntax', Replies.badSenderSyntax, s.problem);
    return pass('sender-syntax-ok');
  },
};
