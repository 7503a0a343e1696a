/** At most smtp.max_recipients per transaction (452 4.5.3: the client sends the rest in another one). */
import { Replies } from '../../../../proto/smtp-reply.js';
import type { Check } from '../check.js';
import { defer, pass } from '../verdict.js';

export const check: Check = {
  name: 'max-recipients',
  stage: 'rcpt',
  order: 5,
  run(ctx) {
    if (ctx.recipients.length >= ctx.daemon.config.smtp.max_recipients) {
      return defer('too-many-recipients', Replies.tooManyRecipients);
    }
    return pass();
  },
};
